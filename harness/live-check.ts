/**
 * Checks during the run (--check-every): commit consistency fed event by event and dump by dump, and
 * linearizability of the history so far, so that a run can stop at its first anomaly. Durability and
 * availability wait for the end: mid-run, a commit newer than a replica's last dump is not missing, and
 * faults are still active.
 */
import { CommitChecker } from '../checkers/commit-checker.js';
import type { DumpRecord } from '../checkers/dump-stream.js';
import { checkHistory } from '../checkers/index.js';
import type { Op } from './history.js';

export interface LiveCheckOptions {
  checkers: readonly string[];
  model: string;
  replicas: string[];
  /** Budget of one linearizability check; past it the check says nothing (unknown is not an anomaly). */
  timeoutMs?: number;
}

export class LiveCheck {
  /** Held only when linearizability is checked: its search needs the history. */
  private readonly history: Op[] | null;
  private readonly commits: CommitChecker | null;
  private checkedEvents = 0;

  constructor(private readonly o: LiveCheckOptions) {
    this.history = o.checkers.includes('linearizability') ? [] : null;
    this.commits = o.checkers.includes('commit-consistency') ? new CommitChecker(o.replicas) : null;
  }

  op(op: Op): void {
    this.history?.push(op);
    this.commits?.op(op);
  }

  dump(r: DumpRecord): void {
    this.commits?.record(r);
  }

  /** The first anomaly found so far, in one line, or null. */
  check(): string | null {
    if (this.commits) {
      const r = this.commits.result();
      const v = r.violations.find((x) => x.kind !== 'durability');
      if (v) return `commit-consistency: ${v.kind}: ${v.message}`;
    }
    if (this.history && this.history.length > this.checkedEvents) {
      this.checkedEvents = this.history.length;
      // Operations still open count as indeterminate: a prefix of a valid history always passes.
      const r = checkHistory(this.history, { model: this.o.model, timeoutMs: this.o.timeoutMs ?? 10_000 });
      if (r.valid === false) return `linearizability: ${r.reason ?? 'not linearizable'}`;
    }
    return null;
  }
}

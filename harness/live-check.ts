/**
 * Checks during the run (--check-every): the run's checkers that can judge a run as it goes (a `live` one in
 * checkers/registry.ts: commit consistency fed event by event and dump by dump, linearizability of the
 * history so far), so that a run can stop at its first anomaly. The others (durability, availability) wait
 * for the end: mid-run, a commit newer than a replica's last dump is not missing, and faults are still active.
 */
import type { DumpRecord } from '../checkers/dump-stream.js';
import { getChecker, type LiveChecker, type LiveCheckOptions } from '../checkers/index.js';
import type { Op } from '../core/history.js';

export interface LiveCheckRunOptions extends LiveCheckOptions {
  /** The run's checkers, by name; those without a live mode are left to the end. */
  checkers: readonly string[];
}

export class LiveCheck {
  private readonly live: Array<{ name: string; checker: LiveChecker }>;

  constructor(o: LiveCheckRunOptions) {
    this.live = o.checkers.flatMap((name) => {
      const live = getChecker(name)?.live?.(o);
      return live ? [{ name, checker: live }] : [];
    });
  }

  op(op: Op): void {
    for (const l of this.live) l.checker.op(op);
  }

  dump(r: DumpRecord): void {
    for (const l of this.live) l.checker.dump(r);
  }

  /** The first anomaly found so far, in one line naming its checker, or null. */
  check(): string | null {
    for (const l of this.live) {
      const anomaly = l.checker.anomaly();
      if (anomaly) return `${l.name}: ${anomaly}`;
    }
    return null;
  }
}

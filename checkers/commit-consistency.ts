/**
 * Commit consistency for JIT Paxos runs: the clients' commits (ok operations' commit metadata) against
 * replica log dumps. Entries are compared by request identity (client, req) and timestamp; a committed entry
 * keeps its index across view changes, so "at its index" is the right place to look.
 */
import type { Op } from '../core/history.js';
import { CommitChecker } from './commit-checker.js';
import { commitOf } from './commit-rules.js';
import type {
  CheckResult,
  CommitConsistencyInput,
  CommitRef,
  CommitViolation,
  CommitViolationKind,
  ReplicaLogDump,
} from './types.js';

export interface CommitConsistencyResult extends CheckResult {
  checker: 'commit-consistency';
  commits: number;
  dumps: number;
  /** Violations found per kind (all of them, though only the first few are listed). */
  counts: Record<CommitViolationKind, number>;
  violations: CommitViolation[];
}

export function commitsOf(history: Op[]): Array<CommitRef & { time: number }> {
  const out: Array<CommitRef & { time: number }> = [];
  for (const op of history) {
    const c = commitOf(op);
    if (c) out.push(c);
  }
  return out;
}

/** The final dumps: those flagged final, else each replica's latest. */
export function finalDumps(dumps: ReplicaLogDump[]): ReplicaLogDump[] {
  const flagged = dumps.filter((d) => d.final);
  if (flagged.length > 0) return flagged;
  const latest = new Map<string, ReplicaLogDump>();
  for (const d of dumps) {
    const seen = latest.get(d.replica);
    if (!seen || d.takenAt >= seen.takenAt) latest.set(d.replica, d);
  }
  return [...latest.values()];
}

/** Checks a history against a dump stream (whole dumps or deltas): see CommitChecker. */
export function checkCommitConsistency(input: CommitConsistencyInput): CommitConsistencyResult {
  const checker = new CommitChecker(input.replicas);
  for (const op of input.history) checker.op(op);
  for (const r of input.dumps) checker.record(r);
  return checker.result();
}

/**
 * THE PRE-STREAMING CHECKER, kept verbatim as the reference the streaming one must agree with (tests only),
 * but for one rule both took on later: durability is judged only for commits made before the dump.
 *
 * Commit consistency for JIT Paxos runs: the clients' commits (ok operations' commit metadata) against
 * replica log dumps. Entries are compared by request identity (client, req) and timestamp; a committed entry
 * keeps its index across view changes, so "at its index" is the right place to look.
 */

import type {
  CheckResult,
  CommitRef,
  CommitViolation,
  CommitViolationKind,
  LogEntry,
  ReplicaLogDump,
} from '../checkers/types.js';
import type { Op } from '../core/history.js';

/** Violations kept per kind: enough to debug, not so many that a report drowns. */
const MAX_PER_KIND = 20;

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
    if (op.type !== 'ok' || op.process === 'nemesis' || !op.commit) continue;
    const c = op.commit;
    const ref: CommitRef & { time: number } = {
      opIndex: op.index,
      process: op.process,
      view: c.view,
      index: c.index,
      checksum: c.checksum,
      f: op.f,
      value: op.value,
      time: op.time,
    };
    if (op.key !== undefined) ref.key = op.key;
    if (c.client !== undefined) ref.client = c.client;
    if (c.req !== undefined) ref.req = c.req;
    if (c.ts !== undefined) ref.ts = c.ts;
    out.push(ref);
  }
  return out;
}

/** Whether a log entry is the commit's request: by identity when the commit names one. */
function holds(entry: LogEntry | undefined, c: CommitRef): boolean {
  if (!entry) return false;
  if (c.client !== undefined && c.req !== undefined) {
    return entry.client === c.client && entry.req === c.req && (c.ts === undefined || entry.ts === c.ts);
  }
  // Without an identity, compare what the entry does with what the client asked.
  return sameOp(entry, c);
}

function sameOp(entry: LogEntry, c: CommitRef): boolean {
  const op = entry.op;
  if (op.f !== c.f || (c.key !== undefined && op.key !== c.key)) return false;
  if (op.f === 'write') return op.value === c.value;
  if (op.f === 'cas') {
    const [expected, next] = Array.isArray(c.value) ? c.value : [undefined, undefined];
    return op.expected === expected && op.value === next;
  }
  return true;
}

function sameCommit(a: CommitRef, b: CommitRef): boolean {
  if (a.client !== undefined && a.req !== undefined && b.client !== undefined && b.req !== undefined) {
    return (
      a.client === b.client && a.req === b.req && (a.ts === undefined || b.ts === undefined || a.ts === b.ts)
    );
  }
  // Without identities: the checksum covers the whole prefix ending at the index, whatever the view.
  return a.checksum === b.checksum;
}

function strip(c: CommitRef & { time?: number }): CommitRef {
  const { time: _time, ...ref } = c;
  return ref;
}

function requestKey(e: LogEntry): string {
  return `${e.client}\u0000${e.req}`;
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

export function checkCommitConsistency(input: {
  history: Op[];
  dumps: ReplicaLogDump[];
  replicas?: string[];
}): CommitConsistencyResult {
  const commits = commitsOf(input.history);
  const counts: Record<CommitViolationKind, number> = {
    inv: 0,
    agreement: 0,
    durability: 0,
    'log-duplicate-request': 0,
    'log-timestamps': 0,
  };
  const violations: CommitViolation[] = [];
  const report = (v: CommitViolation) => {
    counts[v.kind]++;
    if (counts[v.kind] <= MAX_PER_KIND) violations.push(v);
  };

  // Inv (NOTES §1): no Normal replica, in a view at least the commit's and in its own view's quorum, holds a
  // different value at the commit's index. Only dumps taken after the commit completed are bound by it.
  for (const c of commits) {
    for (const d of input.dumps) {
      if (d.status !== 'Normal' || d.view < c.view || !d.inQuorum || d.takenAt < c.time) continue;
      const entry = d.log[c.index - 1];
      if (entry && !holds(entry, c)) {
        report({
          kind: 'inv',
          message: `replica ${d.replica} (Normal, view ${d.view}, in quorum) holds ${describeEntry(entry)} at index ${c.index}, where ${describeCommit(c)} committed in view ${c.view}`,
          commit: strip(c),
          replica: d.replica,
          takenAt: d.takenAt,
          index: c.index,
          entries: [entry],
        });
      }
    }
  }

  // Agreement: two commits at one index must be the same request.
  const byIndex = new Map<number, Array<CommitRef & { time: number }>>();
  for (const c of commits) {
    const list = byIndex.get(c.index);
    if (list) list.push(c);
    else byIndex.set(c.index, [c]);
  }
  for (const [index, list] of byIndex) {
    const first = list[0]!;
    for (const other of list.slice(1)) {
      if (sameCommit(first, other)) continue;
      report({
        kind: 'agreement',
        message: `index ${index} committed twice with different entries: ${describeCommit(first)} (view ${first.view}) and ${describeCommit(other)} (view ${other.view})`,
        commit: strip(first),
        other: strip(other),
        index,
      });
    }
  }

  // Durability: every commit at its index, exactly once, in the final log of every Normal member of the
  // final view's quorum.
  const finals = finalDumps(input.dumps);
  const finalView = Math.max(0, ...finals.map((d) => d.view));
  const members = finals.filter((d) => d.status === 'Normal' && d.view === finalView && d.inQuorum);
  for (const d of members) {
    const occurrences = new Map<string, number>();
    for (const e of d.log) occurrences.set(requestKey(e), (occurrences.get(requestKey(e)) ?? 0) + 1);
    for (const c of commits) {
      if (c.time > d.takenAt) continue;
      const entry = d.log[c.index - 1];
      const times =
        c.client !== undefined && c.req !== undefined
          ? (occurrences.get(`${c.client}\u0000${c.req}`) ?? 0)
          : 1;
      if (!holds(entry, c) || times !== 1) {
        const what = !entry
          ? `its log has only ${d.log.length} entries`
          : !holds(entry, c)
            ? `it holds ${describeEntry(entry)} there`
            : `the request appears ${times} times`;
        report({
          kind: 'durability',
          message: `${describeCommit(c)} committed at index ${c.index} (view ${c.view}) is not durable on ${d.replica} (final, view ${d.view}): ${what}`,
          commit: strip(c),
          replica: d.replica,
          takenAt: d.takenAt,
          index: c.index,
          entries: [entry ?? null],
        });
      }
    }
  }

  // Well-formed logs: each request once, timestamps strictly increasing.
  for (const d of input.dumps) {
    const firstAt = new Map<string, number>();
    for (let i = 0; i < d.log.length; i++) {
      const e = d.log[i]!;
      const key = requestKey(e);
      const earlier = firstAt.get(key);
      if (earlier !== undefined) {
        report({
          kind: 'log-duplicate-request',
          message: `replica ${d.replica} holds request ${e.client}#${e.req} at indices ${earlier + 1} and ${i + 1}`,
          replica: d.replica,
          takenAt: d.takenAt,
          index: i + 1,
          entries: [d.log[earlier]!, e],
        });
      } else firstAt.set(key, i);
      const prev = d.log[i - 1];
      if (prev && !ordered(prev, e)) {
        report({
          kind: 'log-timestamps',
          message: `replica ${d.replica}: entry ${e.client}#${e.req} at index ${i + 1} (timestamp ${e.ts}) does not come after ${prev.client}#${prev.req} at index ${i} (timestamp ${prev.ts})`,
          replica: d.replica,
          takenAt: d.takenAt,
          index: i + 1,
          entries: [prev, e],
        });
      }
    }
  }

  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const result: CommitConsistencyResult = {
    checker: 'commit-consistency',
    valid: total === 0,
    commits: commits.length,
    dumps: input.dumps.length,
    counts,
    violations,
  };
  if (total > 0) {
    const kinds = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`);
    result.reason = `${kinds.join(', ')}; first: ${violations[0]!.message}`;
  } else if (input.dumps.length === 0) {
    // Agreement among commits was checked, but nothing says what the replicas hold.
    result.valid = 'unknown';
    result.reason = 'no replica log dumps to check';
  } else if (commits.length > 0 && members.length === 0) {
    result.valid = 'unknown';
    result.reason = `durability not checked: no final dump of a Normal member of view ${finalView}'s quorum`;
  }
  const missing = (input.replicas ?? []).filter((r) => !finals.some((d) => d.replica === r));
  if (missing.length > 0) result.missingFinalDumps = missing;
  return result;
}

function describeEntry(e: LogEntry): string {
  return `${e.client}#${e.req}@${e.ts}`;
}

/**
 * Log order: strictly increasing timestamps, where two different clients may share a timestamp and are then
 * ordered by client id and request id (the fixed protocol's (ts, client, req) order; clocks do tie).
 */
function ordered(a: LogEntry, b: LogEntry): boolean {
  if (a.ts !== b.ts) return a.ts < b.ts;
  if (a.client !== b.client) return a.client < b.client;
  return a.req < b.req;
}

function describeCommit(c: CommitRef): string {
  return c.client !== undefined
    ? `${c.client}#${c.req}${c.ts === undefined ? '' : `@${c.ts}`}`
    : `op ${c.opIndex}`;
}

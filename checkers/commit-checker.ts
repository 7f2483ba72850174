/**
 * Commit consistency, fed as the run goes: client operations and dump records (whole or delta) one at a
 * time, in any mix as long as a dump comes after the commits that completed before it. It gives the verdicts
 * and violations the whole-dump checker gave (the same counts, and the same first few of each kind, in the
 * same order) while holding one log per replica instead of every dump.
 *
 * What makes this cheap: a delta leaves the entries before it unchanged, so what was found in them still
 * holds; only new entries, new commits and commits waiting for their index to appear need looking at.
 */
import type { Op } from '../core/history.js';
import type { CommitConsistencyResult } from './commit-consistency.js';
import {
  commitOf,
  describeCommit,
  describeEntry,
  holds,
  ordered,
  requestKey,
  sameCommit,
  strip,
} from './commit-rules.js';
import { CommitTable } from './commit-table.js';
import {
  type DecodedDump,
  type DecodedLogDump,
  DumpDecoder,
  isCompacted,
  type StoredRecord,
} from './dump-stream.js';
import type { LogLike } from './entry-table.js';
import { RequestIndex } from './request-index.js';
import type { CommitViolation, CommitViolationKind, LogEntry } from './types.js';

/** Violations kept per kind: enough to debug, not so many that a report drowns. */
export const MAX_PER_KIND = 20;

/** The first MAX_PER_KIND violations by a sort key: the order the whole-dump checker reported them in. */
class FirstFew {
  readonly items: Array<{ key: number[]; v: CommitViolation }> = [];

  wants(key: number[]): boolean {
    return this.items.length < MAX_PER_KIND || compare(key, this.items[this.items.length - 1]!.key) < 0;
  }

  offer(key: number[], make: () => CommitViolation): void {
    if (!this.wants(key)) return;
    let i = this.items.length;
    while (i > 0 && compare(key, this.items[i - 1]!.key) < 0) i--;
    this.items.splice(i, 0, { key, v: make() });
    if (this.items.length > MAX_PER_KIND) this.items.pop();
  }
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A malformed-log finding, kept without its dump: each dump of an unchanged prefix repeats it. */
interface LogFinding {
  index: number;
  entries: LogEntry[];
  message: string;
}

interface ReplicaState {
  log: LogLike;
  /** Log entries already scanned for duplicates and order. */
  scanned: number;
  lastTakenAt: number;
  /** Commits (by order) whose index holds another entry in this log. */
  mismatch: Map<number, LogEntry>;
  /** Commits (by order) beyond the log's end, a heap by index. */
  pending: number[];
  firstAt: RequestIndex;
  duplicates: { count: number; first: LogFinding[] };
  disorder: { count: number; first: LogFinding[] };
}

export class CommitChecker {
  private readonly commits = new CommitTable();
  /** The same commits (by order) by completion time, to find those a dump is bound by. */
  private readonly byTime: number[] = [];
  /** The first commit (its order) at each index: an array by index, as a Map costs several times as much. */
  private readonly firstAt: number[] = [];
  private readonly timeOf = (order: number) => this.commits.timeOf(order);
  private readonly logIndexOf = (order: number) => this.commits.logIndexOf(order);
  private indicesCommitted = 0;
  private readonly states = new Map<string, ReplicaState>();
  private readonly decoder = new DumpDecoder();
  private readonly latest = new Map<string, DecodedLogDump>();
  private readonly flagged: DecodedLogDump[] = [];
  private readonly counts: Record<CommitViolationKind, number> = {
    inv: 0,
    agreement: 0,
    durability: 0,
    'log-duplicate-request': 0,
    'log-timestamps': 0,
  };
  private readonly inv = new FirstFew();
  private readonly agreement = new FirstFew();
  private readonly logFindings = { dup: new FirstFew(), ts: new FirstFew() };
  private dumpCount = 0;

  constructor(private readonly replicas: readonly string[] = []) {}

  /** Dumps dropped because they did not continue the log held (see DumpDecoder). */
  get skippedDumps(): number {
    return this.decoder.skipped;
  }

  op(op: Op): void {
    const ref = commitOf(op);
    if (!ref) return;
    const order = this.commits.push(ref);
    let at = this.byTime.length;
    while (at > 0 && this.timeOf(this.byTime[at - 1]!) > ref.time) at--;
    this.byTime.splice(at, 0, order);
    // A commit that arrives after a dump that is bound by it: look at that replica's log now.
    for (const s of this.states.values()) if (ref.time <= s.lastTakenAt) this.classify(s, order);

    const firstOrder = this.firstAt[ref.index];
    if (firstOrder === undefined) {
      this.commits.setPosition(order, this.indicesCommitted++);
      this.firstAt[ref.index] = order;
      return;
    }
    const first = this.commits.get(firstOrder);
    const c = this.commits.get(order);
    if (sameCommit(first, c)) return;
    this.counts.agreement++;
    this.agreement.offer([first.position, c.order], () => ({
      kind: 'agreement',
      message: `index ${c.index} committed twice with different entries: ${describeCommit(first)} (view ${first.view}) and ${describeCommit(c)} (view ${c.view})`,
      commit: strip(first),
      other: strip(c),
      index: c.index,
    }));
  }

  record(r: StoredRecord): void {
    const d = this.decoder.push(r);
    if (d) this.dump(d);
  }

  private dump({ dump: d, kept }: DecodedDump): void {
    const seq = this.dumpCount++;
    const seen = this.latest.get(d.replica);
    if (!seen || d.takenAt >= seen.takenAt) this.latest.set(d.replica, d);
    if (d.final) this.flagged.push(d);

    let s = this.states.get(d.replica);
    if (!s || kept < s.scanned) {
      s = this.fresh(d);
      this.states.set(d.replica, s);
      this.scan(s, d.replica);
      for (const c of this.byTime) {
        if (this.timeOf(c) > s.lastTakenAt) break;
        this.classify(s, c);
      }
    } else {
      s.log = d.log;
      this.scan(s, d.replica);
      while (s.pending.length > 0 && this.logIndexOf(s.pending[0]!) <= s.log.length)
        this.classify(s, popMin(s.pending, this.logIndexOf));
      for (let i = upperBound(this.byTime, s.lastTakenAt, this.timeOf); i < this.byTime.length; i++) {
        const c = this.byTime[i]!;
        if (this.timeOf(c) > d.takenAt) break;
        this.classify(s, c);
      }
      s.lastTakenAt = Math.max(s.lastTakenAt, d.takenAt);
    }

    // Inv (NOTES §1): no Normal replica, in a view at least the commit's and in its own view's quorum,
    // holds a different value at the commit's index. Only dumps taken after the commit are bound by it.
    if (d.status === 'Normal' && d.inQuorum) {
      for (const [order, entry] of s.mismatch) {
        const c = this.commits.get(order);
        if (c.view > d.view || c.time > d.takenAt) continue;
        this.counts.inv++;
        this.inv.offer([order, seq], () => ({
          kind: 'inv',
          message: `replica ${d.replica} (Normal, view ${d.view}, in quorum) holds ${describeEntry(entry)} at index ${c.index}, where ${describeCommit(c)} committed in view ${c.view}`,
          commit: strip(c),
          replica: d.replica,
          takenAt: d.takenAt,
          index: c.index,
          entries: [entry],
        }));
      }
    }

    // Well-formed logs: what the log holds was found when it was scanned; each dump of it counts again.
    const stamp = (kind: CommitViolationKind, f: LogFinding): CommitViolation => ({
      kind,
      message: f.message,
      replica: d.replica,
      takenAt: d.takenAt,
      index: f.index,
      entries: f.entries,
    });
    this.counts['log-duplicate-request'] += s.duplicates.count;
    for (const f of s.duplicates.first)
      this.logFindings.dup.offer([seq, f.index, 0], () => stamp('log-duplicate-request', f));
    this.counts['log-timestamps'] += s.disorder.count;
    for (const f of s.disorder.first)
      this.logFindings.ts.offer([seq, f.index, 1], () => stamp('log-timestamps', f));
  }

  private fresh(d: DecodedLogDump): ReplicaState {
    const before = this.states.get(d.replica);
    return {
      log: d.log,
      scanned: 0,
      lastTakenAt: Math.max(before?.lastTakenAt ?? 0, d.takenAt),
      mismatch: new Map(),
      pending: [],
      firstAt: new RequestIndex(),
      duplicates: { count: 0, first: [] },
      disorder: { count: 0, first: [] },
    };
  }

  /** Where commit `order` stands in this replica's log: matching, another entry there, or not there yet. */
  private classify(s: ReplicaState, order: number): void {
    const index = this.logIndexOf(order);
    if (index < 1) return;
    if (index > s.log.length) {
      pushHeap(s.pending, order, this.logIndexOf);
      return;
    }
    const entry = s.log.at(index - 1)!;
    // Compacted before any dump showed it: nothing to judge (the replica's snapshot covers it).
    if (isCompacted(entry)) return;
    if (!this.commits.holds(order, entry)) s.mismatch.set(order, entry);
  }

  /** Duplicate requests and out-of-order timestamps in the entries not yet scanned. */
  private scan(s: ReplicaState, replica: string): void {
    const log = s.log;
    let last = s.scanned > 0 ? log.at(s.scanned - 1) : undefined;
    for (let i = s.scanned; i < log.length; i++) {
      const e = log.at(i)!;
      const prev = last;
      last = e;
      if (isCompacted(e)) continue;
      const earlier = s.firstAt.get(e);
      if (earlier !== undefined) {
        s.duplicates.count++;
        if (s.duplicates.first.length < MAX_PER_KIND)
          s.duplicates.first.push({
            index: i + 1,
            entries: [log.at(earlier)!, e],
            message: `replica ${replica} holds request ${e.client}#${e.req} at indices ${earlier + 1} and ${i + 1}`,
          });
      } else s.firstAt.set(e, i);
      if (prev && !isCompacted(prev) && !ordered(prev, e)) {
        s.disorder.count++;
        if (s.disorder.first.length < MAX_PER_KIND)
          s.disorder.first.push({
            index: i + 1,
            entries: [prev, e],
            message: `replica ${replica}: entry ${e.client}#${e.req} at index ${i + 1} (timestamp ${e.ts}) does not come after ${prev.client}#${prev.req} at index ${i} (timestamp ${prev.ts})`,
          });
      }
    }
    s.scanned = log.length;
  }

  /** The verdict so far; durability is judged on the final dumps, or each replica's latest. */
  result(): CommitConsistencyResult {
    const counts = { ...this.counts };
    const durability = new FirstFew();
    const finals = this.flagged.length > 0 ? this.flagged : [...this.latest.values()];
    const finalView = Math.max(0, ...finals.map((d) => d.view));
    const members = finals.filter((d) => d.status === 'Normal' && d.view === finalView && d.inQuorum);
    members.forEach((d, m) => {
      // The scan of this very log found no request twice (the usual case): every request occurs once.
      const s = this.states.get(d.replica);
      const once =
        s !== undefined && s.log === d.log && s.scanned === d.log.length && s.duplicates.count === 0;
      const occurrences = new Map<string, number>();
      if (!once)
        for (const e of d.log) occurrences.set(requestKey(e), (occurrences.get(requestKey(e)) ?? 0) + 1);
      for (let order = 0; order < this.commits.length; order++) {
        // Only commits the dump is bound by: a run that ended without final dumps (interrupted, killed) is
        // judged on each replica's latest, which may predate the last commits.
        if (this.commits.timeOf(order) > d.takenAt) continue;
        const entry = d.log.at(this.commits.logIndexOf(order) - 1);
        if (isCompacted(entry)) continue;
        if (once && this.commits.holds(order, entry)) continue;
        const c = this.commits.get(order);
        const times =
          once || c.client === undefined || c.req === undefined
            ? 1
            : (occurrences.get(`${c.client}\u0000${c.req}`) ?? 0);
        if (holds(entry, c) && times === 1) continue;
        counts.durability++;
        durability.offer([m, c.order], () => {
          const what = !entry
            ? `its log has only ${d.log.length} entries`
            : !holds(entry, c)
              ? `it holds ${describeEntry(entry)} there`
              : `the request appears ${times} times`;
          return {
            kind: 'durability',
            message: `${describeCommit(c)} committed at index ${c.index} (view ${c.view}) is not durable on ${d.replica} (final, view ${d.view}): ${what}`,
            commit: strip(c),
            replica: d.replica,
            takenAt: d.takenAt,
            index: c.index,
            entries: [entry ?? null],
          };
        });
      }
    });

    const logFindings = [...this.logFindings.dup.items, ...this.logFindings.ts.items].sort((a, b) =>
      compare(a.key, b.key),
    );
    const violations = [...this.inv.items, ...this.agreement.items, ...durability.items, ...logFindings].map(
      (x) => x.v,
    );
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const result: CommitConsistencyResult = {
      checker: 'commit-consistency',
      valid: total === 0,
      commits: this.commits.length,
      dumps: this.dumpCount,
      counts,
      violations,
    };
    if (total > 0) {
      const kinds = Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`);
      result.reason = `${kinds.join(', ')}; first: ${violations[0]!.message}`;
    } else if (this.dumpCount === 0) {
      // Agreement among commits was checked, but nothing says what the replicas hold.
      result.valid = 'unknown';
      result.reason = 'no replica log dumps to check';
    } else if (this.commits.length > 0 && members.length === 0) {
      result.valid = 'unknown';
      result.reason = `durability not checked: no final dump of a Normal member of view ${finalView}'s quorum`;
    }
    const missing = this.replicas.filter((r) => !finals.some((d) => d.replica === r));
    if (missing.length > 0) result.missingFinalDumps = missing;
    return result;
  }
}

/** First position whose commit completed after t. */
function upperBound(list: number[], t: number, timeOf: (c: number) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeOf(list[mid]!) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A heap of commits (orders) by `key`, their log index. */
function pushHeap(h: number[], c: number, key: (c: number) => number): void {
  h.push(c);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (key(h[p]!) <= key(h[i]!)) break;
    [h[p], h[i]] = [h[i]!, h[p]!];
    i = p;
  }
}

function popMin(h: number[], key: (c: number) => number): number {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && key(h[l]!) < key(h[m]!)) m = l;
      if (r < h.length && key(h[r]!) < key(h[m]!)) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
  return top;
}

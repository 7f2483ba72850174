/**
 * Replica-state checker: what the replicas said about themselves must follow the protocol, whatever the
 * clients saw. From each replica's own log (replicas/<id>.log, in file order) and from the dumps (in time
 * order, per replica):
 *   - its view never goes backwards, not even across a restart (a restart as Recovering, whose state
 *     was untrusted and is rebuilt from its peers, starts over);
 *   - its logViewID never goes backwards (same exception, seen in a dump as Recovering or logViewID 0);
 *   - its status moves only along the protocol's transitions;
 *   - a prefix it held as committed (up to an index a client was told committed, with that commit's checksum
 *     of the whole prefix) never shrinks or changes in a later dump where it is a Normal member of its view's
 *     quorum.
 * The two sources are never merged by time (replica clocks may be skewed by the clock nemesis), except for a
 * simulated power loss, stamped on the simulated clock: a view entered but not yet synced (so never acted
 * on) is legitimately lost with it, and the checks go on from what survived (nothing, when it scrambled the
 * WAL: the dumps may miss the Recovering phase that follows, as they miss any phase shorter than their period).
 * A fault whose history record names nodes under `stateLost` (disk-loss) is the same as a scrambled WAL for
 * them, at the record's time (the harness's clock, as the dumps' times are).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Op } from '../core/history.js';
import { fileLines } from '../core/lines.js';
import { ChecksumColumn } from './checksum-column.js';
import { decodeDumps, type StoredRecord } from './dump-stream.js';
import type { EntryLog } from './entry-table.js';
import type { CheckResult, LogEntry } from './types.js';

/**
 * The system's rolling prefix checksum, the one its commits carry (`op.commit.checksum`): the system under
 * test supplies it (systems/), since checkers know no protocol. Without it the committed-prefix rule is skipped.
 */
export interface LogChecksum {
  empty: string;
  next(prev: string, entry: LogEntry): string;
}

/** One line of a replica's log that matters here. */
export interface ReplicaStateEvent {
  replica: string;
  event: string;
  view?: number;
  status?: string;
  detail?: string;
  /**
   * `power-loss` (simulated runs only): when (ns since the start), and the view state that survived it; none
   * when nothing did (a scrambled WAL: the replica restarts Recovering, and its view starts over).
   */
  atNs?: number;
  durableView?: number;
  durableLogViewID?: number;
}

export interface ReplicaStateViolation {
  kind: 'view-backwards' | 'log-view-backwards' | 'status-transition' | 'committed-prefix';
  replica: string;
  message: string;
}

export interface ReplicaStateResult extends CheckResult {
  checker: 'replica-state';
  events: number;
  dumps: number;
  violations: ReplicaStateViolation[];
}

/** The protocol's status transitions (replica-core.ts); any status may be entered anew at a restart. */
const TRANSITIONS: Record<string, readonly string[]> = {
  Normal: ['ViewChange', 'Repair'],
  Repair: ['Normal', 'ViewChange'],
  ViewChange: ['Normal'],
  Recovering: ['Normal'],
};

const MAX_REPORTED = 50;

export function checkReplicaState(input: {
  events: readonly ReplicaStateEvent[];
  /** Whole dumps, or dumps.jsonl's records (deltas among them), in the order they were taken. */
  dumps: Iterable<StoredRecord>;
  /** Read once, in order: an array or a stream. */
  history: Iterable<Op>;
  logChecksum?: LogChecksum;
}): ReplicaStateResult {
  const violations: ReplicaStateViolation[] = [];
  const add = (v: ReplicaStateViolation) => {
    if (violations.length < MAX_REPORTED) violations.push(v);
  };
  checkEvents(input.events, add);
  const dumps = checkDumps(
    input.dumps,
    input.history,
    input.events.filter((e) => e.event === 'power-loss' && e.atNs !== undefined),
    input.logChecksum,
    add,
  );
  const byKind = new Map<string, number>();
  for (const v of violations) byKind.set(v.kind, (byKind.get(v.kind) ?? 0) + 1);
  return {
    checker: 'replica-state',
    valid: violations.length === 0,
    events: input.events.length,
    dumps,
    violations,
    ...(violations.length > 0
      ? {
          reason: `${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')}; first: ${violations[0]!.message}`,
        }
      : {}),
  };
}

function checkEvents(events: readonly ReplicaStateEvent[], add: (v: ReplicaStateViolation) => void): void {
  const last = new Map<string, { view: number | null; status: string | null }>();
  for (const e of events) {
    const s = last.get(e.replica) ?? { view: null, status: null };
    last.set(e.replica, s);
    if (e.event === 'start') {
      if (e.status === 'Recovering') s.view = null;
      else if (e.view !== undefined && s.view !== null && e.view < s.view)
        add({
          kind: 'view-backwards',
          replica: e.replica,
          message: `${e.replica} restarted in view ${e.view} after having been in view ${s.view}`,
        });
      if (e.status !== 'Recovering' && e.view !== undefined) s.view = Math.max(s.view ?? 0, e.view);
      s.status = e.status ?? null;
    } else if (e.event === 'power-loss') {
      if (e.durableView !== undefined) s.view = e.durableView;
      s.status = null;
    } else if (e.event === 'view') {
      const m = /^(\d+) -> (\d+)/.exec(e.detail ?? '');
      if (!m) continue;
      const to = Number(m[2]);
      if (to < Number(m[1]) || (s.view !== null && to < s.view))
        add({
          kind: 'view-backwards',
          replica: e.replica,
          message: `${e.replica} moved from view ${Math.max(Number(m[1]), s.view ?? 0)} back to view ${to}`,
        });
      s.view = Math.max(s.view ?? 0, to);
    } else if (e.event === 'status') {
      const m = /^(\w+) -> (\w+)/.exec(e.detail ?? '');
      if (!m) continue;
      const [, from, to] = m as unknown as [string, string, string];
      if (!TRANSITIONS[from]?.includes(to))
        add({
          kind: 'status-transition',
          replica: e.replica,
          message: `${e.replica} went ${from} -> ${to}, which the protocol never does (${e.detail})`,
        });
      s.status = to;
    }
  }
}

function checkDumps(
  dumps: Iterable<StoredRecord>,
  history: Iterable<Op>,
  powerLosses: readonly ReplicaStateEvent[],
  sum: LogChecksum | undefined,
  add: (v: ReplicaStateViolation) => void,
): number {
  const commits = acknowledged(history);
  const losses = [...powerLosses, ...commits.losses];
  // Records come in the order they were taken, so each replica's state rides along the stream; the decoder
  // changes a replica's log in place, so nothing here keeps a log past its dump but the prefix it copies.
  const replicas = new Map<
    string,
    {
      view: number | null;
      logView: number | null;
      /** The longest committed prefix seen in a dump so far: its length, checksum, entries, and when. */
      prefix: { length: number; checksum: string; entries: EntryLog; at: number } | null;
      prevAt: number;
      /** Prefix checksums of the replica's last dump: hashes.get(i) covers entries 1..i. */
      hashes: ChecksumColumn | null;
      /** The log those checksums are of (the decoder's, changed in place with each of its dumps). */
      log?: EntryLog;
      /**
       * Commits (by time, up to `seen` of them) that may still extend the committed prefix: those past its
       * length. The prefix only grows, so a commit at or below it never matters again to this replica.
       */
      seen: number;
      beyond: number[];
    }
  >();
  let count = 0;
  for (const { dump: d, kept } of decodeDumps(dumps)) {
    count++;
    const replica = d.replica;
    const r = replicas.get(replica) ?? {
      view: null,
      logView: null,
      prefix: null,
      prevAt: Number.NEGATIVE_INFINITY,
      hashes: null,
      seen: 0,
      beyond: [],
    };
    replicas.set(replica, r);
    for (const p of losses) {
      if (p.replica !== replica || p.atNs! <= r.prevAt || p.atNs! > d.takenAt) continue;
      r.view = p.durableView ?? null;
      r.logView = p.durableLogViewID ?? null;
    }
    r.prevAt = d.takenAt;
    // Hashing is the costly part: reuse the entries this dump kept from the replica's previous one.
    if (sum) {
      r.hashes = extendHashes(sum, r.hashes, kept, d.log, d.compacted, replicas.values());
      r.log = d.log;
    }
    // Recovering, or rejoined from its peers without a log yet (logViewID 0 is never a trusting replica's:
    // Init is 1): its state was rebuilt, and the dumps may have missed the Recovering phase itself.
    if (d.status === 'Recovering' || d.logViewID === 0) {
      r.view = null;
      r.logView = null;
      if (d.status === 'Recovering') continue;
    }
    if (r.view !== null && d.view < r.view)
      add({
        kind: 'view-backwards',
        replica,
        message: `${replica} dumped view ${d.view} after view ${r.view}`,
      });
    if (r.logView !== null && d.logViewID < r.logView)
      add({
        kind: 'log-view-backwards',
        replica,
        message: `${replica} dumped logViewID ${d.logViewID} after logViewID ${r.logView}`,
      });
    r.view = Math.max(r.view ?? 0, d.view);
    r.logView = Math.max(r.logView ?? 0, d.logViewID);
    if (d.status !== 'Normal' || !d.inQuorum || !r.hashes) continue;
    const hashes = r.hashes;
    const prefix = r.prefix;
    let broke = false;
    if (prefix && prefix.length > 0) {
      // A prefix compacted before any dump showed it has no checksum here ('') but at the snapshot: not judged.
      if (
        prefix.length > d.log.length ||
        (!hashes.is(prefix.length, '') && !hashes.is(prefix.length, prefix.checksum))
      ) {
        broke = true;
        let i = 0;
        while (i < Math.min(prefix.length, d.log.length) && sameEntry(d.log.at(i)!, prefix.entries.at(i)!))
          i++;
        const e = d.log.at(i);
        const p = prefix.entries.at(i);
        add({
          kind: 'committed-prefix',
          replica,
          message:
            `${replica}'s committed prefix of ${prefix.length} entries (dump at ${(prefix.at / 1e9).toFixed(3)} s) ` +
            `${e && p ? `holds ${e.client}#${e.req} instead of ${p.client}#${p.req}` : `ends at ${d.log.length}`} ` +
            `at index ${i + 1} in the dump at ${(d.takenAt / 1e9).toFixed(3)} s`,
        });
      }
    }
    // This dump's committed prefix: up to the highest commit acknowledged before it whose checksum (the
    // whole prefix, as the client verified it) this log has at that index.
    while (r.seen < commits.length && commits.time[commits.order[r.seen]!]! <= d.takenAt)
      r.beyond.push(commits.order[r.seen++]!);
    const below = prefix?.length ?? 0;
    r.beyond = r.beyond.filter((j) => commits.index[j]! > below);
    let k = 0;
    let best = -1;
    for (const j of r.beyond) {
      const index = commits.index[j]!;
      if (index > k && index <= d.log.length && hashes.same(index, commits.checksum, j)) {
        k = index;
        best = j;
      }
    }
    const checksum = best < 0 ? '' : commits.checksum.get(best)!;
    if (!prefix || k > prefix.length) {
      // The log still holds the old prefix (checked above): extend its copy rather than copy it again.
      if (prefix && !broke) {
        prefix.entries.extendFrom(d.log, k);
        Object.assign(prefix, { length: k, checksum, at: d.takenAt });
      } else r.prefix = { length: k, checksum, entries: d.log.prefix(k), at: d.takenAt };
    }
  }
  return count;
}

/** A replica's log and its prefix checksums as of its last dump (the decoder changes the log only with a dump). */
interface Hashed {
  log: EntryLog;
  hashes: ChecksumColumn;
}

/**
 * Prefix checksums of `log`, keeping the first `kept` entries' from the previous dump's. Past COMPACTED
 * entries they are unknown ('') up to the snapshot, whose checksum the dump gives. Where another replica's
 * log holds the same entry (the decoder's same number) after the same prefix checksum, its checksum is
 * this one's too: replicas mostly agree, so each entry is hashed about once, not once a replica.
 */
function extendHashes(
  sum: LogChecksum,
  prev: ChecksumColumn | null,
  kept: number,
  log: EntryLog,
  compacted: { index: number; checksum: string } | undefined,
  others: Iterable<{ log?: EntryLog; hashes: ChecksumColumn | null }>,
): ChecksumColumn {
  // In place: a copy per dump of a long run's hashes is garbage that grows the heap far past what is live.
  let out = prev;
  if (!out) {
    out = new ChecksumColumn();
    out.push(sum.empty);
  }
  out.truncate(Math.min(kept, out.length - 1) + 1);
  const peers: Hashed[] = [];
  for (const o of others) if (o.log && o.hashes && o.log !== log) peers.push(o as Hashed);
  /** out.get(i) when the last step made it, so a run of hashing makes no string twice. */
  let h: string | undefined;
  for (let i = out.length - 1; i < log.length; i++) {
    if (log.isCompactedAt(i)) {
      h = i + 1 === compacted?.index ? compacted.checksum : '';
      out.push(h);
      continue;
    }
    const id = log.idAt(i);
    const peer = peers.find(
      (p) => p.hashes.length > i + 1 && p.log.idAt(i) === id && p.hashes.same(i, out, i),
    );
    if (peer) {
      out.pushFrom(peer.hashes, i + 1);
      h = undefined;
      continue;
    }
    h ??= out.get(i)!;
    if (h !== '') h = sum.next(h, log.at(i)!);
    out.push(h);
  }
  return out;
}

/**
 * Acknowledged commits, as columns: where, with which prefix checksum, and when the client was told; and, in
 * the same pass over the history, the nodes faults say lost their state, when.
 */
function acknowledged(history: Iterable<Op>) {
  const time: number[] = [];
  const index: number[] = [];
  const checksum = new ChecksumColumn();
  const losses: ReplicaStateEvent[] = [];
  for (const op of history) {
    if (op.process === 'nemesis' && op.f === 'start') {
      const lost = (op.value as { stateLost?: unknown } | null)?.stateLost;
      if (Array.isArray(lost))
        for (const n of lost) losses.push({ replica: String(n), event: 'state-lost', atNs: op.time });
    }
    if (op.type !== 'ok' || op.process === 'nemesis' || op.commit === undefined) continue;
    time.push(op.time);
    index.push(op.commit.index);
    checksum.push(op.commit.checksum);
  }
  // By time, ties in history order (a stable sort of positions).
  const order = Int32Array.from(time.keys()).sort((a, b) => time[a]! - time[b]! || a - b);
  return {
    length: time.length,
    time: Float64Array.from(time),
    index: Int32Array.from(index),
    checksum,
    order,
    losses,
  };
}

function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a.client === b.client && a.req === b.req && a.ts === b.ts;
}

/** The replica log events this checker reads. */
export const STATE_EVENTS = new Set(['start', 'view', 'status', 'power-loss']);

/** Replica log lines of a run folder (replicas/<id>.log), in file order; unreadable lines are skipped. */
export function readReplicaStateEvents(replicasDir: string): ReplicaStateEvent[] {
  const out: ReplicaStateEvent[] = [];
  if (!fs.existsSync(replicasDir)) return out;
  for (const file of fs
    .readdirSync(replicasDir)
    .filter((f) => f.endsWith('.log'))
    .sort()) {
    const id = path.basename(file, '.log');
    // A line at a time: an hour's replica logs are hundreds of MB, of which only state events are kept.
    for (const line of fileLines(path.join(replicasDir, file))) {
      if (!line.startsWith('{')) continue;
      try {
        const v = JSON.parse(line) as Record<string, unknown>;
        const event = String(v.event ?? '');
        if (!STATE_EVENTS.has(event)) continue;
        out.push({
          replica: typeof v.replica === 'string' ? v.replica : id,
          event,
          ...(typeof v.view === 'number' ? { view: v.view } : {}),
          ...(typeof v.status === 'string' ? { status: v.status } : {}),
          ...(typeof v.detail === 'string' ? { detail: v.detail } : {}),
          ...(typeof v.atNs === 'number' ? { atNs: v.atNs } : {}),
          ...(typeof v.durableView === 'number' ? { durableView: v.durableView } : {}),
          ...(typeof v.durableLogViewID === 'number' ? { durableLogViewID: v.durableLogViewID } : {}),
        });
      } catch {
        // A torn last line (a killed replica) says nothing.
      }
    }
  }
  return out;
}

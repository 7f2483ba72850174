/**
 * dumps.jsonl as a stream of records: a replica's periodic dump carries only what it appended since its
 * previous one (a delta), with the log's length and prefix checksum; a rewritten or truncated log, and the
 * final dump, are written whole. Whole dumps written before deltas existed read unchanged.
 *
 * The checksum is jitter's own (not the system's): a rolling hash over each entry, so that the writer needs
 * only the previous length and checksum per replica, and the reader can tell a delta that does not continue
 * the log it holds (a lost or torn line) and skip that replica until its next whole dump.
 *
 * Replicas mostly hold the same entries, and each would otherwise write them once more: a delta whose new
 * entries another replica's last record already carried at the same indices (told by equal checksums before and
 * after them) names that replica and the index it copies up to (`copy`), and carries only what follows.
 *
 * A replica that compacts its log (a snapshot) dumps only what follows the snapshot, with `compacted` saying
 * where its log starts: such a dump is always written whole, its checksum chained from the snapshot's point
 * rather than from the empty log, and the reader puts the compacted entries back from what it holds (when the
 * dumper vouched they are the ones it showed before) or as COMPACTED placeholders that checkers skip.
 */
import { COMPACTED, EntryLog, EntryTable } from './entry-table.js';
import type { LogEntry, ReplicaLogDump } from './types.js';

/** A whole dump, as before, with the log's length and checksum (absent in runs written before deltas). */
export interface FullDumpRecord extends ReplicaLogDump {
  length?: number;
  checksum?: string;
}

/** What a replica appended since its previous dump: the log is the previous one plus `append`. */
export interface DeltaDumpRecord extends Omit<ReplicaLogDump, 'log'> {
  /** Length of the log this delta continues. */
  from: number;
  append: LogEntry[];
  length: number;
  /** Checksum of the whole log after appending. */
  checksum: string;
  /** The entries from `from` up to index `to` are those `replica`'s log holds there; `append` follows them. */
  copy?: { replica: string; to: number };
}

export type DumpRecord = FullDumpRecord | DeltaDumpRecord;

/** What a system may answer instead of a whole dump: the entries after the first `from` of its log. */
export interface LogSuffix extends Omit<ReplicaLogDump, 'log'> {
  from: number;
  append: LogEntry[];
}

export function isSuffix(d: ReplicaLogDump | LogSuffix): d is LogSuffix {
  return Array.isArray((d as LogSuffix).append);
}

/** A log entry as stored: [ts, client, req, op], a third smaller than the object. */
export type EntryRow = [number, string, number, LogEntry['op']];

/** A delta as stored: its entries as rows. */
export interface StoredDelta extends Omit<DeltaDumpRecord, 'append'> {
  rows: EntryRow[];
}

/** A whole dump as stored: its log as rows. */
export interface StoredWhole extends Omit<FullDumpRecord, 'log'> {
  rows: EntryRow[];
}

/** A line of dumps.jsonl, as written now or before (whole dumps with a `log`, deltas with `append`). */
export type StoredRecord = DumpRecord | StoredDelta | StoredWhole;

export function isDelta(r: StoredRecord): r is DeltaDumpRecord | StoredDelta {
  const d = r as Partial<DeltaDumpRecord & StoredDelta>;
  return d.from !== undefined && (Array.isArray(d.append) || Array.isArray(d.rows));
}

/** A record as one line of dumps.jsonl: entries as rows, in deltas and whole dumps alike. */
export function recordLine(r: DumpRecord): string {
  const toRows = (log: LogEntry[]) => log.map((e): EntryRow => [e.ts, e.client, e.req, e.op]);
  if (isDelta(r)) {
    const { append, ...rest } = r;
    return JSON.stringify({ ...rest, rows: toRows(append) });
  }
  const { log, ...rest } = r;
  return JSON.stringify({ ...rest, rows: toRows(log) });
}

function fromRows(rows: EntryRow[]): LogEntry[] {
  return rows.map(([ts, client, req, op]) => ({ ts, client, req, op }));
}

function appended(r: DeltaDumpRecord | StoredDelta): LogEntry[] {
  if ('append' in r && Array.isArray(r.append)) return r.append;
  return fromRows((r as StoredDelta).rows);
}

/** A whole dump with its log as objects, whichever way it was stored; null if it has none. */
function withLog(r: FullDumpRecord | StoredWhole): FullDumpRecord | null {
  if (Array.isArray((r as FullDumpRecord).log)) return r as FullDumpRecord;
  if (!Array.isArray((r as StoredWhole).rows)) return null;
  const { rows, ...rest } = r as StoredWhole;
  return { ...rest, log: fromRows(rows) };
}

/** A dump as the checkers see it, whole again. */
export interface DecodedDump {
  /**
   * The replica's log at the dump. The decoder keeps one log per replica and changes it in place with later
   * dumps of that replica: copy it (prefix, slice) to keep it past the next one.
   */
  dump: DecodedLogDump;
  /** Leading entries unchanged since this replica's previous dump (0 for its first). */
  kept: number;
  /** The replica's previous log length; kept < previous means the log was rewritten or truncated. */
  previous: number;
}

/** A dump with its log as the decoder holds it. */
export interface DecodedLogDump extends Omit<ReplicaLogDump, 'log'> {
  log: EntryLog;
}

const EMPTY = '0000000000000000';

export { COMPACTED };

export function isCompacted(e: LogEntry | undefined): boolean {
  return e === COMPACTED;
}

/** Where the checksum of a log with a compacted prefix starts: the snapshot's point, not the empty log. */
function compactedSeed(c: { index: number; checksum: string }): string {
  return nextChecksum(EMPTY, {
    ts: c.index,
    client: '\u0000compacted',
    req: c.index,
    op: { f: 'read', key: c.checksum },
  });
}

/** FNV-1a on two 32-bit lanes with different offsets: cheap, and 64 bits make a missed rewrite unlikely. */
export function nextChecksum(prev: string, e: LogEntry): string {
  const s = `${prev}|${e.ts}|${e.client}|${e.req}|${JSON.stringify(e.op)}`;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

export function checksumOf(log: readonly LogEntry[], upTo = log.length): string {
  let h = EMPTY;
  for (let i = 0; i < upTo; i++) h = nextChecksum(h, log[i]!);
  return h;
}

/** Entries of recent checksums each replica's chain keeps, for other replicas' deltas to copy from. */
const RECENT = 1 << 14;

/** A replica's log as last encoded: its length and checksum, and the checksums of its last entries. */
class EncodedLog {
  /** sums[i] is the checksum of the first base + i entries. */
  private sums: string[];
  private base: number;

  constructor(
    public length: number,
    public checksum: string,
  ) {
    this.base = length;
    this.sums = [checksum];
  }

  /** The checksum of the first `index` entries, if recent enough to be known. */
  at(index: number): string | undefined {
    return this.sums[index - this.base];
  }

  /** The log continues from `from` (whose checksum is known) with entries whose chained checksums are given. */
  extend(from: number, chain: readonly string[]): void {
    this.sums.length = from - this.base + 1;
    for (const h of chain) this.sums.push(h);
    this.length = from + chain.length;
    this.checksum = this.sums[this.sums.length - 1]!;
    if (this.sums.length > 2 * RECENT) {
      const drop = this.sums.length - RECENT;
      this.sums = this.sums.slice(drop);
      this.base += drop;
    }
  }
}

/**
 * Turns whole dumps into records: deltas while each replica's log only grows, copying what another replica's
 * record carried. Holds each replica's length and checksum, and the checksums of its last entries.
 */
export class DumpEncoder {
  private readonly last = new Map<string, EncodedLog>();

  /**
   * A suffix continues the log as last encoded, and costs only its new entries; one that does not continue
   * it (a late answer overtaken by a newer dump) gives null, and is dropped.
   */
  encode(d: ReplicaLogDump | LogSuffix): DumpRecord | null {
    if (isSuffix(d)) return this.suffix(d);
    if (d.compacted) {
      // Whole, always: the reader rebuilds the prefix from what it holds.
      const seed = compactedSeed(d.compacted);
      const log = new EncodedLog(d.compacted.index, seed);
      log.extend(d.compacted.index, chain(seed, d.log, 0));
      this.last.set(d.replica, log);
      return { ...d, length: log.length, checksum: log.checksum };
    }
    const prev = this.last.get(d.replica);
    // Checksums are kept from the previous length on (or for the last RECENT entries): a whole log may be long.
    const skip = Math.max(0, Math.min(prev?.length ?? d.log.length, d.log.length - RECENT));
    const h = checksumOf(d.log, skip);
    const sums = chain(h, d.log, skip);
    const at = (n: number) => (n === skip ? h : sums[n - skip - 1]);
    if (prev && !d.final && prev.length <= d.log.length && at(prev.length) === prev.checksum) {
      const { log: entries, ...meta } = d;
      return this.delta(meta, prev.length, entries.slice(prev.length), sums.slice(prev.length - skip));
    }
    const log = new EncodedLog(skip, h);
    log.extend(skip, sums);
    this.last.set(d.replica, log);
    return { ...d, length: log.length, checksum: log.checksum };
  }

  private suffix(d: LogSuffix): DumpRecord | null {
    const prev = this.last.get(d.replica) ?? new EncodedLog(0, EMPTY);
    if (prev.length !== d.from) return null;
    this.last.set(d.replica, prev);
    const { append, from, ...meta } = d;
    return this.delta(meta, from, append, chain(prev.checksum, append, 0));
  }

  /**
   * The delta of `append` after `from`, whose chained checksums are `sums`: the longest run of it that another
   * replica's last record holds at the same indices is copied from there, not written again.
   */
  private delta(
    meta: Omit<ReplicaLogDump, 'log'>,
    from: number,
    append: LogEntry[],
    sums: string[],
  ): DeltaDumpRecord {
    const own = this.last.get(meta.replica)!;
    const before = own.checksum;
    let copy: { replica: string; to: number } | undefined;
    for (const [replica, other] of this.last) {
      if (replica === meta.replica || other.at(from) !== before) continue;
      let to = from;
      while (to < from + append.length && other.at(to + 1) === sums[to - from]) to++;
      if (to > (copy?.to ?? from)) copy = { replica, to };
    }
    own.extend(from, sums);
    const rest = copy ? append.slice(copy.to - from) : append;
    return {
      ...meta,
      from,
      ...(copy ? { copy } : {}),
      append: rest,
      length: own.length,
      checksum: own.checksum,
    };
  }
}

/** The checksums of `log` from entry `start` on, chained after `h`. */
function chain(h: string, log: readonly LogEntry[], start: number): string[] {
  const out: string[] = [];
  for (let i = start; i < log.length; i++) {
    h = nextChecksum(h, log[i]!);
    out.push(h);
  }
  return out;
}

/**
 * Records back into whole dumps, one replica log in memory each (columns of one shared entry table: see
 * entry-table.ts). A delta that does not continue what is held (a lost line, or a run that died while writing)
 * is dropped with every later delta of that replica until its next whole dump: `skipped` counts them.
 */
export class DumpDecoder {
  private readonly logs = new Map<string, HeldLog>();
  private readonly table = new EntryTable();
  skipped = 0;

  /**
   * The entry number to hold at `index` for e: another replica's equal entry there if it has one. Replicas'
   * logs mostly agree, and each dump parses its own copies: sharing them holds a long run's entries once, not
   * once a replica.
   */
  private shared(index: number, e: LogEntry): number {
    for (const other of this.logs.values()) {
      const id = other.log.idAt(index);
      // holds() tells a compacted place apart: it holds only COMPACTED itself, whose number is kept as is.
      if (id !== undefined && this.table.holds(id, e)) return id;
    }
    return this.table.add(e, index);
  }

  /** Appends entries[from..] to log. */
  private append(log: EntryLog, entries: readonly LogEntry[], from = 0): void {
    for (let i = from; i < entries.length; i++) log.pushId(this.shared(log.length, entries[i]!));
  }

  push(r: StoredRecord): DecodedDump | null {
    if (!r || typeof r !== 'object' || typeof r.replica !== 'string') return null;
    const held = this.logs.get(r.replica);
    if (isDelta(r)) {
      const append = this.copied(r, appended(r));
      if (!append || !held || held.broken || held.log.length !== r.from) {
        if (held) held.broken = true;
        this.skipped++;
        return null;
      }
      let h = checksumHeld(held);
      for (const e of append) h = nextChecksum(h, e);
      if (h !== r.checksum) {
        held.broken = true;
        this.skipped++;
        return null;
      }
      const previous = held.log.length;
      this.append(held.log, append);
      held.checksum = h;
      held.hashed = held.log.length;
      held.reach = held.hashed;
      const { from: _f, length: _l, checksum: _c, copy: _copy, ...rest } = r;
      const { append: _a, rows: _r, ...meta } = rest as typeof rest & { append?: unknown; rows?: unknown };
      return { dump: { ...meta, log: held.log }, kept: previous, previous };
    }
    const w = withLog(r);
    if (!w) return null;
    return this.whole(w, held);
  }

  /** A whole dump: the entries it shares with the log held stay in place. */
  private whole(r: FullDumpRecord, held: HeldLog | undefined): DecodedDump {
    const { length: _l, checksum: _c, log: entries, ...meta } = r;
    if (r.compacted) return this.compacted(r, meta, held);
    if (!held) {
      const log = new EntryLog(this.table, entries.length);
      this.append(log, entries);
      this.logs.set(r.replica, { log, checksum: EMPTY, hashed: 0, reach: 0, broken: false });
      return { dump: { ...meta, log }, kept: 0, previous: 0 };
    }
    // Keep the common prefix in place, so that whoever holds this replica's log sees it change.
    const previous = held.log.length;
    let kept = 0;
    const max = Math.min(previous, entries.length);
    while (kept < max && held.log.holds(kept, entries[kept]!)) kept++;
    held.log.truncate(kept);
    this.append(held.log, entries, kept);
    if (held.reach > kept) {
      held.checksum = EMPTY;
      held.hashed = 0;
      held.reach = 0;
    }
    held.broken = false;
    return { dump: { ...meta, log: held.log }, kept, previous };
  }

  /**
   * A delta's new entries: those it copies from another replica's log as held, then its own; null when that
   * log does not reach so far (the checksum then tells a copy that went wrong).
   */
  private copied(r: DeltaDumpRecord | StoredDelta, own: LogEntry[]): LogEntry[] | null {
    if (!r.copy) return own;
    const source = this.logs.get(r.copy.replica);
    if (!source || source.broken || source.log.length < r.copy.to || r.copy.to < r.from) return null;
    const out = source.log.slice(r.from, r.copy.to);
    for (const e of own) out.push(e);
    return out;
  }

  /** A whole dump of a compacted log: the prefix from what is held if the dumper vouched for it, else placeholders. */
  private compacted(
    r: FullDumpRecord,
    meta: Omit<ReplicaLogDump, 'log'>,
    held: HeldLog | undefined,
  ): DecodedDump {
    const c = r.compacted!;
    const reuse = c.seen && held !== undefined && !held.broken && held.log.length >= c.index;
    // The checksum chains from the snapshot's point; the entries after it are hashed only if a delta
    // follows (checksumHeld), so a stream of whole dumps (a simulated run's) costs no hashing here either.
    const h = compactedSeed(c);
    if (!held) {
      const log = new EntryLog(this.table, c.index + r.log.length);
      log.pushCompacted(c.index);
      this.append(log, r.log);
      this.logs.set(r.replica, { log, checksum: h, hashed: c.index, reach: log.length, broken: false });
      return { dump: { ...meta, log }, kept: 0, previous: 0 };
    }
    // Changed in place, never copied: a long run's log has hundreds of thousands of entries, and a copy per
    // dump is garbage that grows the heap far past what is live.
    const previous = held.log.length;
    // The new log is the held prefix (if vouched for) or placeholders up to the snapshot, then the dump's entries.
    let kept = 0;
    if (reuse) kept = c.index;
    else while (kept < Math.min(previous, c.index) && held.log.isCompactedAt(kept)) kept++;
    const max = Math.min(previous, c.index + r.log.length);
    if (kept === c.index) while (kept < max && held.log.holds(kept, r.log[kept - c.index]!)) kept++;
    held.log.truncate(kept);
    held.log.pushCompacted(c.index - kept);
    this.append(held.log, r.log, Math.max(0, kept - c.index));
    held.checksum = h;
    held.hashed = c.index;
    held.reach = held.log.length;
    held.broken = false;
    return { dump: { ...meta, log: held.log }, kept, previous };
  }
}

/**
 * Tells a dumper whether a replica's compacted prefix is one it already showed: it remembers the system's prefix
 * checksums of each replica's log from its snapshot on (so no more than the replica itself holds).
 */
export class SeenPrefixes {
  private readonly logs = new Map<string, { base: number; sums: string[] }>();

  /** The length of the log last observed, and its checksum (what a suffix dump must continue). */
  head(replica: string): { length: number; checksum: string } | undefined {
    const l = this.logs.get(replica);
    if (!l || l.sums.length === 0) return undefined;
    return { length: l.base + l.sums.length - 1, checksum: l.sums[l.sums.length - 1]! };
  }

  /** Whether the prefix of `index` entries with `checksum` is one observed before. */
  seen(replica: string, index: number, checksum: string): boolean {
    const l = this.logs.get(replica);
    return l !== undefined && index >= l.base && l.sums[index - l.base] === checksum;
  }

  /**
   * A dump of the log from index `from` (prefix checksum `fromChecksum`) with each later entry's prefix
   * checksum; nothing before `keepFrom` (the replica's snapshot) is kept.
   */
  observe(
    replica: string,
    from: number,
    fromChecksum: string,
    sums: readonly string[],
    keepFrom: number,
  ): void {
    const l = this.logs.get(replica);
    let next: { base: number; sums: string[] };
    if (l && from >= l.base && from < l.base + l.sums.length && l.sums[from - l.base] === fromChecksum) {
      l.sums.length = from - l.base + 1;
      for (const s of sums) l.sums.push(s);
      next = l;
    } else next = { base: from, sums: [fromChecksum, ...sums] };
    if (keepFrom > next.base && keepFrom < next.base + next.sums.length) {
      next.sums = next.sums.slice(keepFrom - next.base);
      next.base = keepFrom;
    }
    this.logs.set(replica, next);
  }
}

/**
 * A replica's log as decoded so far. Its checksum covers the first `hashed` entries and is brought up to
 * date only when a delta must be verified: a stream of whole dumps (a simulated run's) costs no hashing.
 */
interface HeldLog {
  log: EntryLog;
  checksum: string;
  hashed: number;
  /**
   * The length the checksum stands for, hashed or not yet (a compacted dump's entries are hashed lazily): a
   * whole dump that rewrites the log below it starts the checksum over.
   */
  reach: number;
  broken: boolean;
}

function checksumHeld(held: HeldLog): string {
  let h = held.checksum;
  for (let i = held.hashed; i < held.log.length; i++) h = nextChecksum(h, held.log.at(i)!);
  held.checksum = h;
  held.hashed = held.log.length;
  held.reach = held.hashed;
  return h;
}

/** Whole dumps from records, lazily; logs are shared as DumpDecoder says. */
export function* decodeDumps(records: Iterable<StoredRecord>): Generator<DecodedDump> {
  const decoder = new DumpDecoder();
  for (const r of records) {
    const d = decoder.push(r);
    if (d) yield d;
  }
}

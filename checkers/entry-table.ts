/**
 * The replicas' logs as the dump decoder holds them: every distinct entry once, in columns, and each replica's
 * log as a column of entry numbers. An hour's run holds about 800,000 entries per replica; as objects (each with
 * its boxed timestamp) they cost about 100 bytes apiece, as columns about 24, plus 4 per replica.
 * Checkers read a log through LogLike, which an array of entries also is, and get an entry as a short-lived
 * object made when asked.
 */
import { StringTable } from '../core/string-table.js';
import { grown } from './columns.js';
import type { LogEntry } from './types.js';
import { ValueTable } from './value-table.js';

/** A log as checkers read it: an array of entries, or a column of a decoder's table. */
export interface LogLike extends Iterable<LogEntry> {
  readonly length: number;
  /** Entry i (0-based), for 0 <= i < length; unlike an array's, a negative i is not counted from the end. */
  at(i: number): LogEntry | undefined;
  slice(start?: number, end?: number): LogEntry[];
}

/**
 * A log entry a reader cannot see: compacted by the replica before any dump showed it. One shared object,
 * so `isCompacted` is an identity test; checkers judge only the entries they can see.
 */
export const COMPACTED: LogEntry = Object.freeze({
  ts: Number.NaN,
  client: '',
  req: -1,
  op: Object.freeze({ f: 'read', key: '' }),
}) as LogEntry;

/** The entry number of COMPACTED in a log column. */
const COMPACTED_ID = -1;

/**
 * The log index from which equal operations share one object: a register's few values recur in every entry
 * (830,080-operation run: 800,000 operation objects, ~35 MB), but finding the equal one costs its JSON, which
 * pays off only on a long log (a simulated run's checking was 15% slower for it).
 */
const SHARE_OPS_FROM = 16_384;

export class EntryTable {
  private ts = new Float64Array(1024);
  private req = new Float64Array(1024);
  private client = new Int32Array(1024);
  /** The operation, numbered in `ops`. */
  private op = new Int32Array(1024);
  private readonly clients = new StringTable();
  private readonly ops = new ValueTable();
  /** Entries whose fields the columns cannot hold as they are (a malformed dump's): kept whole. */
  private readonly odd = new Map<number, LogEntry>();
  length = 0;

  /** Files entry e, found at log index `index`; returns its number. */
  add(e: LogEntry, index: number): number {
    if (e === COMPACTED) return COMPACTED_ID;
    const id = this.length++;
    if (id === this.ts.length) {
      this.ts = grown(this.ts, id + 1);
      this.req = grown(this.req, id + 1);
      this.client = grown(this.client, id + 1);
      this.op = grown(this.op, id + 1);
    }
    if (
      !isObject(e) ||
      typeof e.ts !== 'number' ||
      Number.isNaN(e.ts) ||
      typeof e.req !== 'number' ||
      Number.isNaN(e.req) ||
      typeof e.client !== 'string'
    ) {
      this.odd.set(id, e);
      return id;
    }
    this.ts[id] = e.ts;
    this.req[id] = e.req;
    this.client[id] = this.clients.id(e.client);
    this.op[id] = index >= SHARE_OPS_FROM ? this.ops.id(e.op) : this.ops.keep(e.op);
    return id;
  }

  /** Entry `id` as an object (a new one each time). */
  get(id: number): LogEntry {
    if (id === COMPACTED_ID) return COMPACTED;
    if (this.odd.has(id)) return this.odd.get(id)!;
    return {
      ts: this.ts[id]!,
      client: this.clients.at(this.client[id]!),
      req: this.req[id]!,
      op: this.ops.at(this.op[id]!) as LogEntry['op'],
    };
  }

  /** Whether entry `id` is e: same timestamp, request and operation. */
  holds(id: number, e: LogEntry): boolean {
    if (id === COMPACTED_ID || e === COMPACTED) return id === COMPACTED_ID && e === COMPACTED;
    if (this.odd.has(id)) {
      const odd = this.odd.get(id)!;
      return odd === e || (isObject(odd) && isObject(e) && sameEntry(odd, e));
    }
    if (!isObject(e)) return false;
    return (
      this.ts[id] === e.ts &&
      this.req[id] === e.req &&
      this.clients.at(this.client[id]!) === e.client &&
      sameOp(this.ops.at(this.op[id]!) as LogEntry['op'], e.op)
    );
  }
}

function isObject(e: unknown): e is LogEntry {
  return typeof e === 'object' && e !== null;
}

function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a === b || (a.ts === b.ts && a.client === b.client && a.req === b.req && sameOp(a.op, b.op));
}

/** Equal operations, field by field (a system's operations are flat, mostly): called for every entry held. */
function sameOp(a: LogEntry['op'], b: LogEntry['op']): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) {
    const v = x[k];
    const w = y[k];
    if (v !== w && (typeof v !== 'object' || v === null || JSON.stringify(v) !== JSON.stringify(w)))
      return false;
  }
  for (const k in y) if (!(k in x) && y[k] !== undefined) return false;
  return true;
}

/** One replica's log: entry numbers of a shared table, changed in place as later dumps of it arrive. */
export class EntryLog implements LogLike {
  private ids: Int32Array;
  length = 0;

  constructor(
    readonly table: EntryTable,
    capacity = 1024,
  ) {
    this.ids = new Int32Array(Math.max(16, capacity));
  }

  /** The entry number at index i (COMPACTED's for a compacted one), or undefined past the end. */
  idAt(i: number): number | undefined {
    return i >= 0 && i < this.length ? this.ids[i]! : undefined;
  }

  at(i: number): LogEntry | undefined {
    return i >= 0 && i < this.length ? this.table.get(this.ids[i]!) : undefined;
  }

  /** Whether index i holds e. */
  holds(i: number, e: LogEntry): boolean {
    return i >= 0 && i < this.length && this.table.holds(this.ids[i]!, e);
  }

  isCompactedAt(i: number): boolean {
    return i >= 0 && i < this.length && this.ids[i] === COMPACTED_ID;
  }

  pushId(id: number): void {
    if (this.length === this.ids.length) this.ids = grown(this.ids, this.length + 1);
    this.ids[this.length++] = id;
  }

  pushCompacted(n: number): void {
    for (let i = 0; i < n; i++) this.pushId(COMPACTED_ID);
  }

  truncate(n: number): void {
    if (n < this.length) this.length = Math.max(0, n);
  }

  /** A copy of its first n entries (as numbers of the same table), to keep past the next dump. */
  prefix(n: number): EntryLog {
    const out = new EntryLog(this.table, n);
    out.extendFrom(this, n);
    return out;
  }

  /** Appends the other log's entries from this one's length up to n. */
  extendFrom(other: EntryLog, n: number): void {
    if (other.table !== this.table) throw new Error('logs of different tables');
    const start = this.length;
    if (n <= start) return;
    this.ids = grown(this.ids, n);
    this.ids.set(other.ids.subarray(start, n), start);
    this.length = n;
  }

  slice(start = 0, end = this.length): LogEntry[] {
    const from = Math.max(0, start < 0 ? this.length + start : start);
    const to = Math.min(this.length, end < 0 ? this.length + end : end);
    const out: LogEntry[] = [];
    for (let i = from; i < to; i++) out.push(this.table.get(this.ids[i]!));
    return out;
  }

  *[Symbol.iterator](): Iterator<LogEntry> {
    for (let i = 0; i < this.length; i++) yield this.table.get(this.ids[i]!);
  }
}

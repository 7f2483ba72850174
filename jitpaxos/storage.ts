/**
 * Durable replica state as a write-ahead log in the data directory.
 *
 * File format (`wal.jsonl`): one record per line, `<crc32 as 8 hex digits> <JSON of a PersistRecord>\n`, the
 * CRC taken over the JSON bytes. Replay applies records in order. A `snapshot` record (a checkpoint, fixed mode)
 * makes the next write rewrite the file atomically as meta + snapshot + the entries after it, so the WAL holds
 * the state and the uncompacted suffix only: the snapshot is the WAL's first record, not a file of its own, so
 * that one rename switches both. On open the replayed state is compacted into
 * a fresh WAL (write temp, fsync, rename, fsync dir) so restarts do not replay an ever-growing history, and so
 * an ignored torn tail never ends up in the middle of the file once new records are appended after it.
 *
 * Trust: a bad *last* record is a write that was cut short and never fsynced, so nothing was acknowledged on it:
 * it is dropped with a note. A bad record followed by a good one, or the `initialized` marker without a WAL,
 * means acknowledged state may be lost: `trusted = false`. The old file is then kept as `wal.jsonl.corrupt-<ms>`
 * and the new WAL holds only `{status: 'Recovering', view, logViewID: 0, syncIndex: 0, log: []}`, so a crash
 * before recovery completes still comes back as Recovering rather than as a blank, trusting replica.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { DurableMeta, DurableState, PersistRecord } from './effects.js';

export type { DurableMeta, DurableState };

export interface StoreStats {
  /** Batches written (one write call each, retried only on a short write). */
  writes: number;
  fsyncs: number;
  bytes: number;
  /** Total time spent in fdatasync, in milliseconds. */
  fsyncMs: number;
}

/** What the replica process uses, whether durable (Wal) or not (MemoryStore). */
export interface Store {
  /** Queues records; they are durable only once a flush() called afterwards resolves. */
  record(records: readonly PersistRecord[]): void;
  /** Resolves when every record given to record() before this call is durable. Rejects forever after an I/O error. */
  flush(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
  readonly stats: StoreStats;
}

export interface OpenResult<S extends Store> {
  wal: S;
  /** null: nothing was ever persisted here (first boot). */
  state: DurableState | null;
  /** false: durable state was lost or damaged; the replica must recover from its peers. */
  trusted: boolean;
  /** Human-readable findings for the log (torn tail ignored, corruption, marker missing...). */
  notes: string[];
}

export interface WalOptions {
  /** fdatasync after each group write. Off only for tests and benchmarks that do not crash the machine. */
  fsync: boolean;
  /** Meta fields in force before the first `meta` record (default view 0, Normal, logViewID 0, syncIndex 0). */
  initial?: DurableMeta;
}

export const WAL_FILE = 'wal.jsonl';
export const MARKER_FILE = 'initialized';
const TMP_SUFFIX = '.tmp';

const DEFAULT_META: DurableMeta = { view: 0, status: 'Normal', logViewID: 0, syncIndex: 0 };
const STATUSES: readonly string[] = ['Normal', 'Repair', 'ViewChange', 'Recovering'];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Table-driven CRC-32 (IEEE), the fallback for Node versions without zlib.crc32 (< 20.15). */
export function crc32Portable(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const crc32: (buf: Uint8Array) => number =
  typeof zlib.crc32 === 'function' ? (buf) => zlib.crc32(buf) : crc32Portable;

/** Applies one record to a state, in place. Returns a note if the record did not fit the state. */
export function applyRecord(state: DurableState, r: PersistRecord): string | null {
  const base = state.snapshot?.index ?? 0;
  switch (r.t) {
    case 'append':
      for (const e of r.entries) state.log.push(e);
      return null;
    case 'truncate':
      if (r.length > base + state.log.length || r.length < base) {
        return `truncate to ${r.length} outside the log (${base} compacted, ${state.log.length} after)`;
      }
      state.log.length = r.length - base;
      return null;
    case 'snapshot': {
      const k = r.snapshot.index - base;
      state.snapshot = r.snapshot;
      if (r.install) state.log = [];
      else if (k < 0 || k > state.log.length) {
        state.log = [];
        return `snapshot at ${r.snapshot.index} outside the log (${base} compacted, ${k} after); log dropped`;
      } else state.log.splice(0, k);
      return null;
    }
    case 'meta':
      state.view = r.view;
      state.status = r.status;
      state.logViewID = r.logViewID;
      state.syncIndex = r.syncIndex;
      for (const k of ['incarnations', 'reserved'] as const) {
        if (r[k]) state[k] = r[k];
        else delete state[k];
      }
      return null;
  }
}

function encodeRecord(r: PersistRecord): string {
  const json = JSON.stringify(r);
  return `${crc32(Buffer.from(json, 'utf8')).toString(16).padStart(8, '0')} ${json}\n`;
}

function isInt(x: unknown): x is number {
  return Number.isInteger(x);
}

function isIncarnations(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.values(v).every((n) => isInt(n) && n >= 0);
}

/** Shape check of a record whose CRC matched; a mismatch here means a writer bug or a CRC collision. */
function asRecord(v: unknown): PersistRecord | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (r.t === 'append' && Array.isArray(r.entries)) return v as PersistRecord;
  if (r.t === 'truncate' && isInt(r.length) && r.length >= 0) return v as PersistRecord;
  if (r.t === 'snapshot' && typeof r.snapshot === 'object' && r.snapshot !== null) {
    const s = r.snapshot as Record<string, unknown>;
    if (isInt(s.index) && typeof s.checksum === 'string' && Array.isArray(s.kv) && Array.isArray(s.clients))
      return v as PersistRecord;
  }
  if (
    r.t === 'meta' &&
    isInt(r.view) &&
    typeof r.status === 'string' &&
    STATUSES.includes(r.status) &&
    isInt(r.logViewID) &&
    isInt(r.syncIndex) &&
    (r.incarnations === undefined || isIncarnations(r.incarnations)) &&
    (r.reserved === undefined || isIncarnations(r.reserved))
  ) {
    return v as PersistRecord;
  }
  return null;
}

function parseLine(line: Buffer): PersistRecord | string {
  if (line.length < 10 || line[8] !== 0x20) return 'no CRC header';
  const want = Number.parseInt(line.subarray(0, 8).toString('latin1'), 16);
  const body = line.subarray(9);
  if (!/^[0-9a-f]{8}$/.test(line.subarray(0, 8).toString('latin1')) || crc32(body) !== want) {
    return 'CRC mismatch';
  }
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return 'bad JSON';
  }
  return asRecord(v) ?? 'not a persist record';
}

interface Replay {
  state: DurableState | null;
  trusted: boolean;
  notes: string[];
  records: number;
}

/** Replays WAL bytes. Exported for tests and offline inspection of a data dir. */
export function replayWal(bytes: Buffer, initial: DurableMeta = DEFAULT_META): Replay {
  const notes: string[] = [];
  // Split into lines; a final segment without '\n' is a torn write.
  const lines: { at: number; buf: Buffer; torn: boolean }[] = [];
  let start = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl === -1) {
      lines.push({ at: start, buf: bytes.subarray(start), torn: true });
      break;
    }
    lines.push({ at: start, buf: bytes.subarray(start, nl), torn: false });
    start = nl + 1;
  }
  let state: DurableState | null = null;
  let trusted = true;
  let records = 0;
  for (let i = 0; i < lines.length; i++) {
    const { at, buf, torn } = lines[i]!;
    const r = torn ? 'torn (no newline)' : parseLine(buf);
    if (typeof r === 'string') {
      const where = `record ${i + 1} of ${lines.length} at byte ${at}`;
      if (i === lines.length - 1) {
        notes.push(`ignored bad last ${where}: ${r} (never fsynced, so never acknowledged)`);
      } else {
        notes.push(`corrupt ${where}: ${r}; ${lines.length - 1 - i} later record(s) unusable`);
        trusted = false;
      }
      break;
    }
    state ??= { ...initial, log: [] };
    const note = applyRecord(state, r);
    if (note) notes.push(`record ${i + 1}: ${note}`);
    records++;
  }
  return { state, trusted, notes, records };
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `file` atomically with `content`: write a temp file, fsync it, rename, fsync the directory. */
function atomicWrite(dir: string, name: string, content: string, fsync: boolean): void {
  const tmp = path.join(dir, name + TMP_SUFFIX);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, content);
    if (fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, name));
  if (fsync) fsyncDir(dir);
}

/**
 * The fewest records that replay to `state`: meta, the snapshot, the entries after it. Both runtimes compact
 * with it (this WAL, and the simulator's disk).
 */
export function compactRecords(state: DurableState): PersistRecord[] {
  const { log, snapshot, ...meta } = state;
  const out: PersistRecord[] = [{ t: 'meta', ...meta }];
  if (snapshot) out.push({ t: 'snapshot', snapshot, install: true });
  if (log.length > 0) out.push({ t: 'append', entries: log });
  return out;
}

function serialize(state: DurableState | null): string {
  return state === null ? '' : compactRecords(state).map(encodeRecord).join('');
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Wal implements Store {
  readonly stats: StoreStats = { writes: 0, fsyncs: 0, bytes: 0, fsyncMs: 0 };
  /** Encoded records not yet handed to a write. */
  private pending: string[] = [];
  /** Waiters of the batch being written, or null when idle. */
  private current: Waiter[] | null = null;
  /** Waiters for the batch after the current one. */
  private next: Waiter[] = [];
  private failed: Error | null = null;
  private closed = false;
  /** A snapshot was recorded: the next write rewrites the file from `mirror` instead of appending. */
  private rewrite = false;

  private constructor(
    readonly file: string,
    private fd: number,
    private readonly fsync: boolean,
    /** The state the file describes once pending records are written (entries shared with the replica). */
    private readonly mirror: DurableState,
  ) {}

  static open(dir: string, opts: WalOptions): OpenResult<Wal> {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, WAL_FILE);
    const marker = path.join(dir, MARKER_FILE);
    // A temp file is a compaction cut short before its rename: the WAL itself is intact.
    fs.rmSync(file + TMP_SUFFIX, { force: true });
    const hasWal = fs.existsSync(file);
    const hasMarker = fs.existsSync(marker);
    const initial = opts.initial ?? DEFAULT_META;
    const notes: string[] = [];
    let state: DurableState | null = null;
    let trusted = true;

    if (hasWal) {
      const r = replayWal(fs.readFileSync(file), initial);
      notes.push(...r.notes);
      state = r.state;
      trusted = r.trusted;
      if (!hasMarker) notes.push(`${MARKER_FILE} marker missing next to an existing WAL; recreated`);
    } else if (hasMarker) {
      trusted = false;
      notes.push(`${MARKER_FILE} marker present but ${WAL_FILE} missing: durable state lost`);
    }

    if (!trusted) {
      if (hasWal) {
        const keep = `${file}.corrupt-${Date.now()}`;
        fs.renameSync(file, keep);
        notes.push(`kept the damaged WAL as ${path.basename(keep)}`);
      }
      state = {
        view: state?.view ?? initial.view,
        status: 'Recovering',
        logViewID: 0,
        syncIndex: 0,
        log: [],
      };
    }

    atomicWrite(dir, WAL_FILE, serialize(state), opts.fsync);
    if (!hasMarker) {
      // Written only after the WAL exists, so "marker without WAL" can only mean the WAL was lost.
      atomicWrite(dir, MARKER_FILE, `${new Date().toISOString()}\n`, opts.fsync);
    }
    const fd = fs.openSync(file, 'a');
    const mirror: DurableState = state
      ? { ...state, log: state.log.slice() }
      : { ...initial, log: [], snapshot: null };
    return { wal: new Wal(file, fd, opts.fsync, mirror), state, trusted, notes };
  }

  record(records: readonly PersistRecord[]): void {
    if (this.closed) throw new Error('Wal.record after close');
    if (this.failed) throw this.failed;
    for (const r of records) {
      applyRecord(this.mirror, r);
      if (r.t === 'snapshot') this.rewrite = true;
      // Encoded now, so later mutation of the caller's entries cannot change what is persisted.
      if (!this.rewrite) this.pending.push(encodeRecord(r));
    }
  }

  /** Bytes the WAL file holds now. */
  get size(): number {
    return fs.fstatSync(this.fd).size;
  }

  /**
   * Checkpoint: the whole file becomes meta + snapshot + the entries after it (temp file, fsync, rename,
   * fsync dir), so everything recorded so far is durable at once and nothing behind the snapshot stays.
   */
  private rewriteNow(): void {
    this.rewrite = false;
    this.pending = [];
    const text = serialize(this.mirror);
    atomicWrite(path.dirname(this.file), path.basename(this.file), text, this.fsync);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.stats.writes++;
    this.stats.bytes += Buffer.byteLength(text);
    if (this.fsync) this.stats.fsyncs++;
  }

  flush(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      if (this.pending.length === 0 && !this.rewrite) {
        // Nothing new: the caller's records, if any, are in the batch in flight.
        if (this.current) this.current.push(w);
        else resolve();
        return;
      }
      if (!this.fsync && !this.current) {
        // Without fsync a write only reaches the page cache: do it here and now, without a trip through the
        // thread pool on every batch. (A process crash keeps the page cache; a machine crash may not.)
        try {
          this.writeNow();
          resolve();
        } catch (e) {
          this.failed = new Error(`WAL ${this.file}: ${(e as Error).message}`);
          reject(this.failed);
        }
        return;
      }
      this.next.push(w);
      if (!this.current) this.startBatch();
    });
  }

  private writeNow(): void {
    if (this.rewrite) {
      this.rewriteNow();
      return;
    }
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.stats.writes++;
    this.stats.bytes += buf.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      fs.closeSync(this.fd);
    }
  }

  private startBatch(): void {
    const rewrite = this.rewrite;
    const buf = rewrite ? Buffer.alloc(0) : Buffer.from(this.pending.join(''), 'utf8');
    if (!rewrite) this.pending = [];
    const waiters = this.next;
    this.next = [];
    this.current = waiters;
    // A checkpoint is written synchronously (no batch is in flight, so the file is ours); the waiters still
    // resolve asynchronously, as for any batch.
    const done = rewrite
      ? new Promise<void>((res, rej) => {
          try {
            this.rewriteNow();
            res();
          } catch (e) {
            rej(e as Error);
          }
        })
      : this.writeAndSync(buf);
    done.then(
      () => {
        this.current = null;
        for (const w of waiters) w.resolve();
        if (this.next.length > 0) this.startBatch();
      },
      (e: Error) => {
        // After a failed write or fsync the file's durable contents are unknown: refuse everything from now on.
        this.failed = new Error(`WAL ${this.file}: ${e.message}`);
        this.current = null;
        for (const w of [...waiters, ...this.next]) w.reject(this.failed);
        this.next = [];
      },
    );
  }

  private async writeAndSync(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      off += await new Promise<number>((res, rej) =>
        fs.write(this.fd, buf, off, buf.length - off, null, (err, n) => (err ? rej(err) : res(n))),
      );
    }
    this.stats.writes++;
    this.stats.bytes += buf.length;
    if (!this.fsync) return;
    const t = performance.now();
    await new Promise<void>((res, rej) => fs.fdatasync(this.fd, (err) => (err ? rej(err) : res())));
    this.stats.fsyncMs += performance.now() - t;
    this.stats.fsyncs++;
  }
}

/**
 * The same surface with nothing on disk: for seed mode and the `no-durability` flaw. A restart comes back
 * empty (state null, trusted), which is exactly the flaw. The state it accumulates is only for inspection.
 */
export class MemoryStore implements Store {
  readonly stats: StoreStats = { writes: 0, fsyncs: 0, bytes: 0, fsyncMs: 0 };
  private readonly state: DurableState;

  constructor(initial: DurableMeta = DEFAULT_META) {
    this.state = { ...initial, log: [] };
  }

  static open(opts: { initial?: DurableMeta } = {}): OpenResult<MemoryStore> {
    return {
      wal: new MemoryStore(opts.initial),
      state: null,
      trusted: true,
      notes: ['memory store: nothing survives a restart'],
    };
  }

  record(records: readonly PersistRecord[]): void {
    for (const r of records) applyRecord(this.state, r);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** A copy of the state the records so far describe. */
  snapshot(): DurableState {
    return { ...this.state, log: [...this.state.log] };
  }
}

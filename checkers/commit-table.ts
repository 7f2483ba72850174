/**
 * Every commit of a run, as commit consistency holds them until the end: in columns, not one object each.
 * A commit as an object with its fields and boxed numbers costs about 190 bytes; a long run holds one per
 * write (830,080-operation run: 608,000 commits, 137 MB with their checksums). A commit is made an object
 * again only to be compared with another or shown, and that object is short-lived; whether a log entry is
 * the commit's request (asked for every replica log it is held against) is read from the columns.
 */
import { StringTable } from '../core/string-table.js';
import { ChecksumColumn } from './checksum-column.js';
import { grown } from './columns.js';
import { holds } from './commit-rules.js';
import type { CommitRef, LogEntry } from './types.js';
import { ValueTable } from './value-table.js';

/** A commit as the checker sees it: the client's reference, when it completed, and where it stands. */
export interface HeldCommit extends CommitRef {
  time: number;
  /** Its place among the commits, in history order. */
  order: number;
  /** Among the indices committed, the place of this one's index when it is the first commit there; else -1. */
  position: number;
}

/** Absent optional numbers (req, ts) are NaN: JSON has none, so no commit carries one. */
const ABSENT = Number.NaN;

export class CommitTable {
  private opIndex = new Float64Array(1024);
  private view = new Float64Array(1024);
  private index = new Float64Array(1024);
  private req = new Float64Array(1024);
  private ts = new Float64Array(1024);
  private time = new Float64Array(1024);
  private position = new Int32Array(1024);
  /** f, key and client, interned (-1: absent). */
  private f = new Int32Array(1024);
  private key = new Int32Array(1024);
  private client = new Int32Array(1024);
  /** process and value, numbered in `values`. */
  private process = new Int32Array(1024);
  private value = new Int32Array(1024);
  private readonly names = new StringTable();
  private readonly values = new ValueTable();
  private readonly checksums = new ChecksumColumn();
  length = 0;

  /** Holds a commit; returns its order. */
  push(c: CommitRef & { time: number }): number {
    if (this.length === this.time.length) this.grow(this.length + 1);
    const i = this.length++;
    this.opIndex[i] = c.opIndex;
    this.view[i] = c.view;
    this.index[i] = c.index;
    this.req[i] = c.req ?? ABSENT;
    this.ts[i] = c.ts ?? ABSENT;
    this.time[i] = c.time;
    this.position[i] = -1;
    this.f[i] = this.names.id(c.f);
    this.key[i] = c.key === undefined ? -1 : this.names.id(c.key);
    this.client[i] = c.client === undefined ? -1 : this.names.id(c.client);
    this.checksums.push(c.checksum);
    this.process[i] = this.values.id(c.process);
    this.value[i] = this.values.id(c.value);
    return i;
  }

  /** Commit i as an object: every field in its literal, absent ones as undefined (one shape for all). */
  get(i: number): HeldCommit {
    const [key, client, req, ts] = [this.key[i]!, this.client[i]!, this.req[i]!, this.ts[i]!];
    return {
      opIndex: this.opIndex[i]!,
      process: this.values.at(this.process[i]!) as CommitRef['process'],
      view: this.view[i]!,
      index: this.index[i]!,
      checksum: this.checksums.get(i)!,
      f: this.names.at(this.f[i]!),
      key: key === -1 ? undefined : this.names.at(key),
      value: this.values.at(this.value[i]!),
      client: client === -1 ? undefined : this.names.at(client),
      req: Number.isNaN(req) ? undefined : req,
      ts: Number.isNaN(ts) ? undefined : ts,
      time: this.time[i]!,
      order: i,
      position: this.position[i]!,
    };
  }

  /** Whether a log entry is commit i's request (commit-rules' holds), without making the commit an object. */
  holds(i: number, entry: LogEntry | undefined): boolean {
    const client = this.client[i]!;
    const req = this.req[i]!;
    if (client === -1 || Number.isNaN(req)) return holds(entry, this.get(i));
    if (!entry) return false;
    const ts = this.ts[i]!;
    return (
      entry.client === this.names.at(client) && entry.req === req && (Number.isNaN(ts) || entry.ts === ts)
    );
  }

  timeOf(i: number): number {
    return this.time[i]!;
  }

  /** The log index commit i names. */
  logIndexOf(i: number): number {
    return this.index[i]!;
  }

  setPosition(i: number, position: number): void {
    this.position[i] = position;
  }

  private grow(min: number): void {
    this.opIndex = grown(this.opIndex, min);
    this.view = grown(this.view, min);
    this.index = grown(this.index, min);
    this.req = grown(this.req, min);
    this.ts = grown(this.ts, min);
    this.time = grown(this.time, min);
    this.position = grown(this.position, min);
    this.f = grown(this.f, min);
    this.key = grown(this.key, min);
    this.client = grown(this.client, min);
    this.process = grown(this.process, min);
    this.value = grown(this.value, min);
  }
}

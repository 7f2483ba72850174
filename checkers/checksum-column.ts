/**
 * A growable list of checksum strings, held in 8 bytes each when they are 16 lowercase hex digits (as JIT
 * Paxos's and jitter's own are) rather than a string each (about 36 bytes): a long run's checkers hold one per
 * log entry or commit. The empty string (a checksum not known) costs a flag; any other string is kept as is.
 */
import { grown } from './columns.js';

const HEX = 0;
const EMPTY = 1;
const OTHER = 2;

export class ChecksumColumn {
  private hi: Int32Array = new Int32Array(256);
  private lo: Int32Array = new Int32Array(256);
  private kind: Uint8Array = new Uint8Array(256);
  /** Positions of kind OTHER, with their string. */
  private readonly other = new Map<number, string>();
  length = 0;

  push(s: string): void {
    const hi = s.length === 16 ? hexLane(s, 0) : Number.NaN;
    const lo = s.length === 16 ? hexLane(s, 8) : Number.NaN;
    if (!Number.isNaN(hi) && !Number.isNaN(lo)) {
      this.pushHex(hi, lo);
      return;
    }
    const i = this.slot();
    if (s === '') this.kind[i] = EMPTY;
    else {
      this.kind[i] = OTHER;
      this.other.set(i, s);
    }
  }

  /** Appends what position j of another column holds, without making a string. */
  pushFrom(other: ChecksumColumn, j: number): void {
    if (other.kind[j] === HEX) this.pushHex(other.hi[j]!, other.lo[j]!);
    else this.push(other.get(j)!);
  }

  private pushHex(hi: number, lo: number): void {
    const i = this.slot();
    this.kind[i] = HEX;
    this.hi[i] = hi;
    this.lo[i] = lo;
  }

  /** The next position, the columns grown to hold it. */
  private slot(): number {
    if (this.length === this.hi.length) {
      this.hi = grown(this.hi, this.length + 1);
      this.lo = grown(this.lo, this.length + 1);
      this.kind = grown(this.kind, this.length + 1);
    }
    return this.length++;
  }

  /** Keeps the first n. */
  truncate(n: number): void {
    if (n >= this.length) return;
    if (this.other.size > 0) for (const i of this.other.keys()) if (i >= n) this.other.delete(i);
    this.length = n;
  }

  get(i: number): string | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const k = this.kind[i];
    if (k === EMPTY) return '';
    if (k === OTHER) return this.other.get(i)!;
    return hex(this.hi[i]!) + hex(this.lo[i]!);
  }

  /** Whether position i holds what position j of another column does, without making strings. */
  same(i: number, other: ChecksumColumn, j: number): boolean {
    if (i < 0 || i >= this.length || j < 0 || j >= other.length) return false;
    const k = this.kind[i];
    if (k !== other.kind[j]) return false;
    if (k === HEX) return this.hi[i] === other.hi[j] && this.lo[i] === other.lo[j];
    return k === EMPTY || this.other.get(i) === other.other.get(j);
  }

  /** Whether position i holds s, without making a string. */
  is(i: number, s: string): boolean {
    if (i < 0 || i >= this.length) return false;
    const k = this.kind[i];
    if (k === EMPTY) return s === '';
    if (k === OTHER) return this.other.get(i) === s;
    return s.length === 16 && this.hi[i] === hexLane(s, 0) && this.lo[i] === hexLane(s, 8);
  }
}

/** Eight lowercase hex digits of s from `from` as an int32, or NaN (read by hand: a regex and two slices cost more). */
function hexLane(s: string, from: number): number {
  let x = 0;
  for (let i = from; i < from + 8; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return Number.NaN;
    x = (x << 4) | d;
  }
  return x;
}

function hex(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

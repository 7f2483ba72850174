/**
 * Pairs a history's client invocations with their completions, streaming, into the page's compact columns.
 * One pass, O(1) per event: a 100,000-operation history is read once.
 */

import { grown } from '../checkers/columns.js';
import type { Op } from '../core/history.js';
import { StringTable } from '../core/string-table.js';
import { OP_COLUMNS, type OpColumns, type OpColumnsOf } from './types.js';

const MAX_VALUE_CHARS = 160;

/** A history value as short display text (undefined stays absent). */
export function showValue(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}

export const usToMs = (us: number): number => us / 1000;
export const nsToMs = (ns: number): number => Math.round(ns / 1000) / 1000;

/** Columns with no operations in them. */
export function emptyColumns(): OpColumns {
  return {
    startDeltaUs: [],
    latUs: [],
    proc: [],
    f: [],
    type: [],
    key: [],
    arg: [],
    res: [],
    err: [],
    index: [],
  };
}

/** The collector's columns: typed, as a long run's are hundreds of thousands long (count: how many are used). */
export type TypedOpColumns = OpColumnsOf<Float64Array | Int32Array>;

function typedColumns(n: number): TypedOpColumns {
  return {
    // Times and history indices may pass 2^31 (a history stamped since the epoch); the rest are small ids.
    startDeltaUs: new Float64Array(n),
    latUs: new Float64Array(n),
    proc: new Int32Array(n),
    f: new Int32Array(n),
    type: new Int32Array(n),
    key: new Int32Array(n),
    arg: new Int32Array(n),
    res: new Int32Array(n),
    err: new Int32Array(n),
    index: new Float64Array(n),
  };
}

export class OpCollector {
  /** The first `count` of each column are operations. */
  cols: TypedOpColumns = typedColumns(1024);
  // Deduplicated strings: values repeat a lot (small integers, null), so each is stored once.
  readonly processes = new StringTable();
  readonly fs = new StringTable();
  readonly keys = new StringTable();
  readonly values = new StringTable();
  /** Invocation time (µs) of each operation, to compute latencies and deltas. */
  private startUs = new Float64Array(1024);
  private lastStartUs = 0;
  private n = 0;
  /** The open operation of each process (a process has at most one). */
  private readonly open = new Map<string, number>();
  /** Completions without an invocation (malformed histories): counted, not drawn. */
  orphans = 0;

  private valueId(v: unknown): number {
    const s = showValue(v);
    return s === undefined ? -1 : this.values.id(s);
  }

  private grow(): void {
    const next = typedColumns(this.n * 2);
    for (const k of OP_COLUMNS) next[k].set(this.cols[k]);
    this.cols = next;
    this.startUs = grown(this.startUs, this.n * 2);
  }

  add(op: Op): void {
    const proc = String(op.process);
    const us = Math.round(op.time / 1000);
    if (op.type === 'invoke') {
      // A new invocation while one is open means the old one never completed: leave it pending.
      if (this.n === this.cols.latUs.length) this.grow();
      const c = this.cols;
      const i = this.n++;
      c.startDeltaUs[i] = us - this.lastStartUs;
      this.lastStartUs = us;
      this.startUs[i] = us;
      c.latUs[i] = -1;
      c.proc[i] = this.processes.id(proc);
      c.f[i] = this.fs.id(op.f);
      c.type[i] = 3;
      c.key[i] = op.key === undefined ? -1 : this.keys.id(op.key);
      c.arg[i] = this.valueId(op.value);
      c.res[i] = -1;
      c.err[i] = -1;
      // A history without indices (a bare file) has none: NaN, which the page's JSON has as null.
      c.index[i] = typeof op.index === 'number' ? op.index : Number.NaN;
      this.open.set(proc, i);
      return;
    }
    const i = this.open.get(proc);
    if (i === undefined) {
      this.orphans++;
      return;
    }
    this.open.delete(proc);
    const c = this.cols;
    c.latUs[i] = Math.max(0, us - this.startUs[i]!);
    c.type[i] = op.type === 'ok' ? 0 : op.type === 'fail' ? 1 : 2;
    c.res[i] = this.valueId(op.value);
    if (op.error !== undefined) c.err[i] = this.valueId(op.error);
  }

  get count(): number {
    return this.n;
  }

  /** Invocation time of operation i, µs. */
  start(i: number): number {
    return this.startUs[i]!;
  }

  /** The columns as plain arrays, for a short run's page. */
  arrays(): OpColumns {
    const out = emptyColumns();
    for (const k of OP_COLUMNS)
      out[k] = Array.from(this.cols[k].subarray(0, this.n), (v) => (Number.isNaN(v) ? (null as never) : v));
    return out;
  }
}

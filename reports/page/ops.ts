/** The operation columns decoded into typed arrays the charts and the timeline share. */
import { OUTCOMES, type ReportData } from '../types.js';

export interface Ops {
  n: number;
  /** Invocation and completion times (ms); end is NaN for an operation that never completed. */
  start: Float64Array;
  end: Float64Array;
  proc: Int32Array;
  f: Int32Array;
  type: Int8Array;
  /** Longest latency (ms): how far back from a window an operation can start and still reach into it. */
  maxLatency: number;
  /** Operations that never completed: drawn to the run's end. */
  pending: number[];
}

export function decodeOps(d: ReportData): Ops {
  const c = d.ops;
  const n = c.latUs.length;
  const ops: Ops = {
    n,
    start: new Float64Array(n),
    end: new Float64Array(n),
    proc: Int32Array.from(c.proc),
    f: Int32Array.from(c.f),
    type: Int8Array.from(c.type),
    maxLatency: 0,
    pending: [],
  };
  let us = 0;
  for (let i = 0; i < n; i++) {
    us += c.startDeltaUs[i]!;
    ops.start[i] = us / 1000;
    const lat = c.latUs[i]!;
    if (lat < 0) {
      ops.end[i] = Number.NaN;
      ops.pending.push(i);
    } else {
      ops.end[i] = (us + lat) / 1000;
      if (lat / 1000 > ops.maxLatency) ops.maxLatency = lat / 1000;
    }
  }
  return ops;
}

/** One line describing operation i, for tooltips. */
export function describeOp(d: ReportData, ops: Ops, i: number): string[] {
  const c = d.ops;
  const v = (k: number) => (k < 0 ? '' : d.values[k]!);
  const key = c.key[i]! < 0 ? '' : ` ${d.keys[c.key[i]!]}`;
  const outcome = OUTCOMES[ops.type[i]!]!;
  const lat = Number.isNaN(ops.end[i]!)
    ? 'never completed'
    : `${(ops.end[i]! - ops.start[i]!).toFixed(3)} ms`;
  const lines = [
    `process ${d.processes[ops.proc[i]!]}: ${d.fs[ops.f[i]!]}${key} ${v(c.arg[i]!)}`,
    `${outcome}${c.res[i]! >= 0 ? ` → ${v(c.res[i]!)}` : ''}${c.err[i]! >= 0 ? ` (${v(c.err[i]!)})` : ''}`,
    `invoked at ${(ops.start[i]! / 1000).toFixed(3)} s, ${lat}, history #${c.index[i]}`,
  ];
  return lines;
}

/** First index whose start is >= t (starts are in invocation order, hence sorted). */
export function lowerBound(a: Float64Array, t: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Throughput buckets and latency quantiles from the operation columns. */
import type { OpCollector } from './ops.js';
import { type LatencyQuantiles, OUTCOMES, type Throughput } from './types.js';

const BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000];
const MAX_BUCKETS = 400;

/** The smallest round bucket width that keeps the chart under MAX_BUCKETS bars. */
export function bucketWidth(endMs: number): number {
  for (const b of BUCKETS_MS) if (endMs / b <= MAX_BUCKETS) return b;
  return Math.ceil(endMs / MAX_BUCKETS / 60_000) * 60_000;
}

/** Completions per second, by outcome, in buckets by completion time. */
export function throughput(ops: OpCollector, endMs: number): Throughput {
  const bucketMs = bucketWidth(Math.max(endMs, 1));
  const n = Math.floor(endMs / bucketMs) + 1;
  const out: Throughput = {
    bucketMs,
    t: Array.from({ length: n }, (_, i) => i * bucketMs),
    ok: new Array(n).fill(0),
    fail: new Array(n).fill(0),
    info: new Array(n).fill(0),
  };
  const series = [out.ok, out.fail, out.info];
  const perSecond = 1000 / bucketMs;
  for (let i = 0; i < ops.count; i++) {
    const lat = ops.cols.latUs[i]!;
    if (lat < 0) continue;
    const b = Math.min(n - 1, Math.floor((ops.start(i) + lat) / 1000 / bucketMs));
    series[ops.cols.type[i]!]![b]! += perSecond;
  }
  return out;
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Latency quantiles (ms) per operation kind and outcome, completed operations only; "all" rows first. */
export function quantiles(ops: OpCollector): LatencyQuantiles[] {
  const groups = new Map<string, number[]>();
  const push = (k: string, v: number) => {
    const g = groups.get(k);
    if (g) g.push(v);
    else groups.set(k, [v]);
  };
  for (let i = 0; i < ops.count; i++) {
    const lat = ops.cols.latUs[i]!;
    if (lat < 0) continue;
    const f = ops.fs.list[ops.cols.f[i]!]!;
    const outcome = OUTCOMES[ops.cols.type[i]!]!;
    push(`all\u0000${outcome}`, lat / 1000);
    push(`${f}\u0000${outcome}`, lat / 1000);
  }
  const rows: LatencyQuantiles[] = [];
  for (const [k, values] of groups) {
    const [f, outcome] = k.split('\u0000') as [string, string];
    const sorted = Float64Array.from(values).sort();
    rows.push({
      f,
      outcome,
      count: sorted.length,
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p99: quantile(sorted, 0.99),
      p999: quantile(sorted, 0.999),
      max: sorted[sorted.length - 1]!,
    });
  }
  const order = (r: LatencyQuantiles) => (r.f === 'all' ? '' : r.f) + OUTCOMES.indexOf(r.outcome as never);
  return rows.sort((a, b) => order(a).localeCompare(order(b)));
}

/**
 * Per-window figures of a soak run, from what the run stored (history, replica logs) and what the bench
 * sampled while it ran (WAL bytes, replica RSS). Pure: no I/O, so it is easy to check by hand.
 */

export interface HistoryOp {
  /** Nanoseconds since the run started. */
  time: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  process: number;
}

export interface Sample {
  /** Milliseconds since the run started. */
  atMs: number;
  walBytes: number;
  rssBytes: number;
}

export interface WindowRow {
  fromS: number;
  toS: number;
  okPerS: number;
  viewChanges: number;
  longestStallS: number;
  p99Ms: number;
  walMB: number;
  rssMB: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * `viewStartsMs`: when a new primary started a view (its start-view notice), in ms since the run started.
 * The longest stall is the longest time in the window with no operation completing ok.
 */
export function windows(
  ops: HistoryOp[],
  viewStartsMs: number[],
  samples: Sample[],
  windowS: number,
  totalS: number,
): WindowRow[] {
  const rows: WindowRow[] = [];
  const invokedAt = new Map<number, number>();
  const done: { atMs: number; latencyMs: number; ok: boolean }[] = [];
  // The run's clock starts before the cluster is up: no stall is counted before the first operation.
  let firstMs = Number.POSITIVE_INFINITY;
  for (const op of ops) {
    const ms = op.time / 1e6;
    if (op.type === 'invoke') firstMs = Math.min(firstMs, ms);
    if (op.type === 'invoke') invokedAt.set(op.process, ms);
    else {
      const t0 = invokedAt.get(op.process);
      invokedAt.delete(op.process);
      if (t0 !== undefined) done.push({ atMs: ms, latencyMs: ms - t0, ok: op.type === 'ok' });
    }
  }
  for (let from = 0; from < totalS; from += windowS) {
    const to = Math.min(totalS, from + windowS);
    const inWin = done.filter((d) => d.atMs >= from * 1000 && d.atMs < to * 1000);
    const ok = inWin.filter((d) => d.ok);
    let last = Math.max(from * 1000, Math.min(firstMs, to * 1000));
    let stall = 0;
    for (const d of ok) {
      stall = Math.max(stall, d.atMs - last);
      last = d.atMs;
    }
    stall = Math.max(stall, to * 1000 - last);
    const lat = ok.map((d) => d.latencyMs).sort((a, b) => a - b);
    const inSamples = samples.filter((s) => s.atMs >= from * 1000 && s.atMs < to * 1000);
    const lastSample = inSamples[inSamples.length - 1];
    // RSS is the window's peak: a replica killed or paused at the sampling instant reads as 0.
    const peakRss = inSamples.length ? Math.max(...inSamples.map((s) => s.rssBytes)) : Number.NaN;
    rows.push({
      fromS: from,
      toS: to,
      okPerS: ok.length / (to - from),
      viewChanges: viewStartsMs.filter((t) => t >= from * 1000 && t < to * 1000).length,
      longestStallS: stall / 1000,
      p99Ms: quantile(lat, 0.99),
      walMB: (lastSample?.walBytes ?? Number.NaN) / 2 ** 20,
      rssMB: peakRss / 2 ** 20,
    });
  }
  return rows;
}

export function formatRows(rows: WindowRow[]): string {
  const head = 'window        ok/s  views  stall_s  p99_ms  wal_MB  rss_MB(peak, all replicas)';
  const lines = rows.map((r) =>
    [
      `${r.fromS}-${r.toS}s`.padEnd(12),
      r.okPerS.toFixed(1).padStart(6),
      String(r.viewChanges).padStart(6),
      r.longestStallS.toFixed(1).padStart(8),
      r.p99Ms.toFixed(0).padStart(7),
      r.walMB.toFixed(1).padStart(7),
      r.rssMB.toFixed(0).padStart(7),
    ].join(' '),
  );
  return [head, ...lines].join('\n');
}

/**
 * The main phase, `totalS` seconds from the first invocation (the final reads after it are left out): ok
 * ops/s and the longest stretch without an ok completion.
 */
export function mainPhase(
  ops: HistoryOp[],
  totalS: number,
): { okPerS: number; longestStallS: number; seconds: number } {
  const first = ops.find((op) => op.type === 'invoke');
  if (!first) return { okPerS: 0, longestStallS: 0, seconds: 0 };
  const start = first.time / 1e6;
  const end = start + totalS * 1000;
  let prev = start;
  let stall = 0;
  let ok = 0;
  for (const op of ops) {
    const ms = op.time / 1e6;
    if (op.type !== 'ok' || ms > end) continue;
    ok++;
    stall = Math.max(stall, ms - prev);
    prev = ms;
  }
  stall = Math.max(stall, end - prev);
  return { okPerS: ok / totalS, longestStallS: stall / 1000, seconds: totalS };
}

/**
 * Sweeps: many seeds over worker threads (or inline with one job), a progress line, and a stop at the
 * first failure unless asked to keep going, or when the caller's signal aborts. The worker that finds a
 * failure stores the run (sweep-record.ts keeps the verdicts).
 */
import { Worker } from 'node:worker_threads';
import { relativePath } from '../core/store.js';
import type { SeedVerdict } from '../core/sweeps.js';
import { firstAnomaly } from '../harness/anomaly.js';
import { writeRunReport } from '../harness/reporting.js';
import type { SimOptions } from './options.js';
import { runSim, type SimRun } from './run.js';
import { writeSimRun } from './store.js';

export function verdictOf(run: SimRun): SeedVerdict {
  const a = run.results.valid === true ? null : firstAnomaly(run.results, run.history, { liveness: true });
  const failed = Object.entries(run.results.checkers)
    .filter(([, r]) => r.valid !== true)
    .map(([name]) => name);
  return {
    seed: run.options.seed,
    valid: run.results.valid,
    failed,
    simulatedUs: run.simulatedUs,
    wallMs: run.wall.simMs + run.wall.checkMs,
    ops: run.results.ops.total,
    ...(a?.firstS != null ? { firstAnomalyS: a.firstS } : {}),
  };
}

export interface SweepOptions {
  base: SimOptions;
  seeds: number[];
  jobs: number;
  keepGoing: boolean;
  progress: (done: number, total: number, failures: number, simS: number, wallMs: number) => void;
  /** Each verdict as it comes. */
  onVerdict?: (v: SeedVerdict) => void;
  /** Step budget of a seed's linearizability search, per key (default SWEEP_MAX_STEPS). */
  checkMaxSteps?: number;
  /** Store failing runs here (the first MAX_STORED of them). */
  store?: string;
  /** Write the reports of stored runs (default true). */
  report?: boolean;
  /** Stops the sweep: no more seeds start, and the seeds in flight are dropped. */
  signal?: AbortSignal;
}

/** Failing runs a sweep stores: a broken build fails every seed, and its first runs tell all there is. */
export const MAX_STORED = 20;

/**
 * A sweep judges seeds, it does not keep them: it first gives the linearizability search this budget, so
 * that the many non-linearizable histories of a flawed run do not each hold a worker for minutes. A seed
 * whose only doubt is that budget is judged again with the full one (judgeSeed), as `jitter sim --seed N`
 * would: a valid fixed-mode history that merely needs more steps is not a failure.
 */
export const SWEEP_MAX_STEPS = 5_000_000;

/**
 * One seed's verdict: with the sweep's budget, then, if that alone left it unknown, with the full one. A
 * failing seed is stored when the task names a store, as `jitter sim --seed N` would store it: checked with
 * the full budget, and with its report unless the task says not.
 */
export async function judgeSeed(t: SeedTask): Promise<SeedVerdict> {
  let v = verdictOf(runSim(t.options, { maxSteps: t.checkMaxSteps }));
  let full: SimRun | null = null;
  if (v.valid === 'unknown' && v.failed.join() === 'linearizability') {
    full = runSim(t.options);
    const again = verdictOf(full);
    v = { ...again, wallMs: v.wallMs + again.wallMs };
  }
  if (v.valid === true || t.store === undefined) return v;
  const dir = writeSimRun(t.store, full ?? runSim(t.options));
  // A report that cannot be written leaves the run's files, which are what matter.
  if (t.report !== false) await writeRunReport(dir).catch(() => {});
  return { ...v, stored: relativePath(t.store, dir) };
}

/** What a worker is sent: one seed's options, its check budget, and where to store it if it fails. */
export interface SeedTask {
  options: SimOptions;
  checkMaxSteps: number;
  store?: string;
  /** Write a stored run's report (default true). */
  report?: boolean;
}

export interface SweepResult {
  verdicts: SeedVerdict[];
  wallMs: number;
  /** Stopped, at a failure or by the signal, before every seed ran. */
  stopped: boolean;
}

export async function sweep(o: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const verdicts: SeedVerdict[] = [];
  let failures = 0;
  let stored = 0;
  let simUs = 0;
  let next = 0;
  let stop = false;
  const checkMaxSteps = o.checkMaxSteps ?? SWEEP_MAX_STEPS;
  const task = (): SeedTask => ({
    options: { ...o.base, seed: o.seeds[next++]! },
    checkMaxSteps,
    // A limit on the stores asked for: seeds in flight may add a few (one per worker) past it.
    ...(o.store !== undefined && stored < MAX_STORED ? { store: o.store, report: o.report } : {}),
  });
  const take = (v: SeedVerdict) => {
    verdicts.push(v);
    simUs += v.simulatedUs;
    if (v.stored) stored++;
    if (v.valid !== true) {
      failures++;
      if (!o.keepGoing) stop = true;
    }
    o.onVerdict?.(v);
    o.progress(verdicts.length, o.seeds.length, failures, simUs / 1e6, performance.now() - t0);
  };
  const more = () => !stop && !o.signal?.aborted && next < o.seeds.length;
  if (o.jobs <= 1) {
    while (more()) {
      take(await judgeSeed(task()));
      // Let signals and output through between runs.
      await new Promise((r) => setImmediate(r));
    }
  } else {
    const url = new URL('./sweep-worker.js', import.meta.url);
    const workers = Array.from({ length: Math.min(o.jobs, o.seeds.length) }, () => new Worker(url));
    const abort = () => {
      for (const w of workers) void w.terminate();
    };
    o.signal?.addEventListener('abort', abort);
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const feed = () => {
                if (more()) w.postMessage(task());
                else void w.terminate();
              };
              w.on('message', (v: SeedVerdict) => {
                take(v);
                feed();
              });
              w.on('error', (err) => {
                stop = true;
                abort();
                reject(err);
              });
              w.on('exit', () => resolve());
              feed();
            }),
        ),
      );
    } finally {
      o.signal?.removeEventListener('abort', abort);
    }
  }
  verdicts.sort((a, b) => a.seed - b.seed);
  return { verdicts, wallMs: performance.now() - t0, stopped: verdicts.length < o.seeds.length };
}

/** `1-100`, `7`, or `1,5,9-12`. */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`--seeds: "${part}" is not a seed or a range like 1-100`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > 2 ** 31 - 1) throw new Error(`--seeds: "${part}" is not a valid range`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

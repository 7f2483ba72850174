/**
 * Sweeps: many seeds over worker threads (or inline with one job), a progress line, and a stop at the
 * first failure unless asked to keep going. Workers only judge; a failing seed is re-run here (it is
 * deterministic) to be stored.
 */
import { Worker } from 'node:worker_threads';
import { firstAnomaly } from '../harness/anomaly.js';
import type { SimOptions } from './options.js';
import { runSim, type SimRun } from './run.js';

export interface SeedVerdict {
  seed: number;
  valid: true | false | 'unknown';
  /** Checkers that did not say valid. */
  failed: string[];
  simulatedUs: number;
  wallMs: number;
  ops: number;
  /** Simulated seconds from the first operation to the first anomaly a failing checker names (anomaly.ts). */
  firstAnomalyS?: number;
}

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
}

/**
 * A sweep judges seeds, it does not keep them: it first gives the linearizability search this budget, so
 * that the many non-linearizable histories of a flawed run do not each hold a worker for minutes. A seed
 * whose only doubt is that budget is judged again with the full one (judgeSeed), as `jitter sim --seed N`
 * would: a valid fixed-mode history that merely needs more steps is not a failure.
 */
export const SWEEP_MAX_STEPS = 5_000_000;

/** One seed's verdict: with the sweep's budget, then, if that alone left it unknown, with the full one. */
export function judgeSeed(options: SimOptions, checkMaxSteps: number): SeedVerdict {
  const v = verdictOf(runSim(options, { maxSteps: checkMaxSteps }));
  if (v.valid !== 'unknown' || v.failed.join() !== 'linearizability') return v;
  const again = verdictOf(runSim(options));
  return { ...again, wallMs: v.wallMs + again.wallMs };
}

/** What a worker is sent: one seed's options and its check budget (null: stop). */
export interface SeedTask {
  options: SimOptions;
  checkMaxSteps: number;
}

export interface SweepResult {
  verdicts: SeedVerdict[];
  wallMs: number;
  /** Stopped at a failure before every seed ran. */
  stopped: boolean;
}

export async function sweep(o: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const verdicts: SeedVerdict[] = [];
  let failures = 0;
  let simUs = 0;
  let next = 0;
  let stop = false;
  const checkMaxSteps = o.checkMaxSteps ?? SWEEP_MAX_STEPS;
  const take = (v: SeedVerdict) => {
    verdicts.push(v);
    simUs += v.simulatedUs;
    if (v.valid !== true) {
      failures++;
      if (!o.keepGoing) stop = true;
    }
    o.onVerdict?.(v);
    o.progress(verdicts.length, o.seeds.length, failures, simUs / 1e6, performance.now() - t0);
  };
  if (o.jobs <= 1) {
    while (!stop && next < o.seeds.length) {
      take(judgeSeed({ ...o.base, seed: o.seeds[next++]! }, checkMaxSteps));
      // Let signals and output through between runs.
      await new Promise((r) => setImmediate(r));
    }
  } else {
    const url = new URL('./sweep-worker.js', import.meta.url);
    await Promise.all(
      Array.from({ length: Math.min(o.jobs, o.seeds.length) }, () => {
        const w = new Worker(url);
        return new Promise<void>((resolve, reject) => {
          const feed = () => {
            if (stop || next >= o.seeds.length) {
              void w.terminate().then(() => resolve());
              return;
            }
            const task: SeedTask = { options: { ...o.base, seed: o.seeds[next++]! }, checkMaxSteps };
            w.postMessage(task);
          };
          w.on('message', (v: SeedVerdict) => {
            take(v);
            feed();
          });
          w.on('error', reject);
          feed();
        });
      }),
    );
  }
  verdicts.sort((a, b) => a.seed - b.seed);
  return { verdicts, wallMs: performance.now() - t0, stopped: next < o.seeds.length };
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

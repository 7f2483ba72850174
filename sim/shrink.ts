/**
 * Shrinking a failing simulated run: the same seed with an explicit schedule, made smaller one pass at a
 * time (shorter main phase, fewer fault episodes, fewer clients, fewer operations) as long as the checker
 * that failed still fails. Every candidate is a full deterministic run, so what is kept is a reproduction.
 */
import type { ScheduledAction } from '../nemesis/types.js';
import type { SimOptions } from './options.js';
import { runSim, type SimRun } from './run.js';

export interface ShrinkResult {
  options: SimOptions;
  run: SimRun;
  /** The checkers that must keep failing. */
  checkers: string[];
  runs: number;
  log: string[];
}

/** Whether a run still shows the failure: one of `checkers` says invalid. */
export function stillFails(run: SimRun, checkers: readonly string[]): boolean {
  return checkers.some((c) => run.results.checkers[c]?.valid === false);
}

/** A fault's start with the stop that ends it (if any): removed together. */
function episodes(schedule: readonly ScheduledAction[]): number[][] {
  const open = new Map<string, number[]>();
  const out: number[][] = [];
  schedule.forEach((a, i) => {
    if (a.action === 'start') {
      const ep = [i];
      out.push(ep);
      open.set(a.fault, ep);
    } else {
      const ep = open.get(a.fault);
      if (ep) ep.push(i);
      else out.push([i]);
      open.delete(a.fault);
    }
  });
  return out;
}

export function shrink(
  original: SimOptions,
  checkers: readonly string[],
  o: { maxRuns?: number; log?: (line: string) => void } = {},
): ShrinkResult {
  const maxRuns = o.maxRuns ?? 300;
  const log: string[] = [];
  const say = (l: string) => {
    log.push(l);
    o.log?.(l);
  };
  let runs = 0;
  let best: SimOptions = { ...original, schedule: original.schedule ?? runSim(original).schedule };
  let bestRun = runSim(best);
  runs++;
  if (!stillFails(bestRun, checkers))
    throw new Error(`the run does not fail ${checkers.join(' / ')} when replayed`);
  const attempt = (c: SimOptions): boolean => {
    if (runs >= maxRuns) return false;
    runs++;
    const r = runSim(c);
    if (!stillFails(r, checkers)) return false;
    best = c;
    bestRun = r;
    return true;
  };

  // 1. A shorter main phase: the failure happened by some time; cut there (and the schedule with it).
  {
    let lo = 1;
    let hi = best.timeLimit;
    while (hi - lo > 0.5 && runs < maxRuns) {
      const mid = Math.round(((lo + hi) / 2) * 2) / 2;
      const cand = { ...best, timeLimit: mid, schedule: best.schedule!.filter((a) => a.atMs < mid * 1000) };
      if (attempt(cand)) hi = mid;
      else lo = mid;
    }
    say(`time: ${original.timeLimit} s -> ${best.timeLimit} s (${runs} runs)`);
  }

  // 2. Fewer fault episodes: drop chunks, halving the chunk size (delta debugging), then single ones.
  {
    const before = best.schedule!.length;
    for (
      let size = Math.max(1, Math.ceil(episodes(best.schedule!).length / 2));
      size >= 1;
      size = Math.floor(size / 2)
    ) {
      let i = 0;
      for (;;) {
        const eps = episodes(best.schedule!);
        if (i >= eps.length || runs >= maxRuns) break;
        const drop = new Set(eps.slice(i, i + size).flat());
        if (!attempt({ ...best, schedule: best.schedule!.filter((_, k) => !drop.has(k)) })) i += size;
      }
      if (size === 1) break;
    }
    say(`faults: ${before} actions -> ${best.schedule!.length} (${runs} runs)`);
  }

  // 3. Fewer clients.
  {
    const before = best.concurrency;
    for (let c = 1; c < best.concurrency && runs < maxRuns; c++)
      if (attempt({ ...best, concurrency: c })) break;
    say(`clients: ${before} -> ${best.concurrency} (${runs} runs)`);
  }

  // 4. Fewer operations in the main phase.
  {
    let lo = 1;
    let hi = bestRun.results.ops.total;
    const before = hi;
    while (hi - lo > 1 && runs < maxRuns) {
      const mid = Math.floor((lo + hi) / 2);
      if (attempt({ ...best, opLimit: mid })) hi = mid;
      else lo = mid;
    }
    say(`operations: ${before} -> ${bestRun.results.ops.total} (${runs} runs)`);
  }

  return { options: best, run: bestRun, checkers: [...checkers], runs, log };
}

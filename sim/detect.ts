/**
 * The simulation column of bench:detect: each seed flaw alone in fixed mode, over N seeds of the simulated
 * world in swarm mode (each seed picks its own faults, interval, clock granularity and workload: no per-flaw
 * tuning, finding them untuned is the point), and plain fixed mode,
 * which must stay clean. Per flaw: seeds that fail, the median simulated time to the first anomaly, and the
 * wall time a one-core sweep from seed 1 takes to reach its first failing seed.
 */

import type { SeedVerdict } from '../core/sweeps.js';
import { median } from '../harness/anomaly.js';
import { ALL_SIM_FAULTS, type SimOptions, simDefaults } from './options.js';
import { sweep } from './sweep.js';

export interface SimDetectRow {
  label: string;
  seeds: number;
  failed: number;
  medianFirstSimS: number | null;
  /** Wall seconds until the first failing seed was known, sweeping seeds in order on one core. */
  wallToFirstS: number | null;
  /** Median wall seconds of one run. */
  medianRunWallS: number | null;
  checkers: string[];
}

export function simDetectOptions(label: string, timeLimit: number): SimOptions {
  return {
    ...simDefaults(1),
    flaws: label === 'fixed' ? [] : [label],
    // jitLeadMs, slow machines and clock spreads are swarm dimensions (sim/swarm.ts): nothing per flaw.
    timeLimit,
    nemesis: ALL_SIM_FAULTS,
    swarm: true,
  };
}

export async function simDetect(
  label: string,
  o: { seeds: number; timeLimit: number; jobs: number; line?: (v: SeedVerdict) => void },
): Promise<SimDetectRow> {
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  const r = await sweep({
    base: simDetectOptions(label, o.timeLimit),
    seeds,
    jobs: o.jobs,
    keepGoing: true,
    progress: () => {},
    ...(o.line ? { onVerdict: o.line } : {}),
  });
  const bad = r.verdicts.filter((v) => v.valid !== true);
  let wall = 0;
  let wallToFirst: number | null = null;
  for (const v of r.verdicts) {
    wall += v.wallMs;
    if (v.valid !== true) {
      wallToFirst = wall / 1000;
      break;
    }
  }
  return {
    label,
    seeds: r.verdicts.length,
    failed: bad.length,
    medianFirstSimS: median(bad.map((v) => v.firstAnomalyS).filter((x): x is number => x !== undefined)),
    wallToFirstS: wallToFirst,
    medianRunWallS: median(r.verdicts.map((v) => v.wallMs / 1000)),
    checkers: [...new Set(bad.flatMap((v) => v.failed))],
  };
}

/**
 * bench:sim — how fast the simulated world runs: simulated seconds per wall second for 3 and 5 replicas at
 * the default workload (one core, after a warm-up run), and runs per minute on all cores; the same with
 * every fault on. Aim: a 60 s run of 3 replicas in under 0.6 s of one core (cpu_ms: on a shared machine the
 * wall-clock figures include other processes' turns).
 *
 *   node dist/sim/bench.js [--runs 10] [--time 60] [--jobs CORES]
 *
 * Seeds differ fourfold in what a run does (how many operations its faults let through), so a few runs' mean
 * is mostly which seeds they were: ten runs make the figure steady.
 */
import os from 'node:os';
import { ALL_SIM_FAULTS, type SimOptions, simDefaults } from './options.js';
import { runSim } from './run.js';
import { sweep } from './sweep.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : def;
}

const runs = Number(arg('--runs', '10'));
const time = Number(arg('--time', '60'));
const jobs = Number(arg('--jobs', String(os.availableParallelism())));

function oneCore(base: SimOptions): {
  simPerWall: number;
  withCheck: number;
  runMs: number;
  checkMs: number;
  cpuMs: number;
} {
  runSim({ ...base, seed: 1000 }); // warm-up: JIT and module loading are not the world's cost
  let simUs = 0;
  let simMs = 0;
  let checkMs = 0;
  // CPU time (the process's, GC threads included) is what a run costs on a shared machine; wall time
  // there also counts the time other processes held the core.
  const cpu0 = process.cpuUsage();
  for (let s = 1; s <= runs; s++) {
    const r = runSim({ ...base, seed: s });
    simUs += r.simulatedUs;
    simMs += r.wall.simMs;
    checkMs += r.wall.checkMs;
  }
  const cpu = process.cpuUsage(cpu0);
  const perRun = time / (simUs / 1e6 / runs);
  return {
    simPerWall: simUs / 1e3 / simMs,
    withCheck: simUs / 1e3 / (simMs + checkMs),
    runMs: (simMs / runs) * perRun,
    checkMs: checkMs / runs,
    cpuMs: ((cpu.user + cpu.system) / 1000 / runs) * perRun,
  };
}

async function allCores(base: SimOptions): Promise<number> {
  const seeds = Array.from({ length: Math.max(jobs * 2, 4) }, (_, i) => i + 1);
  const r = await sweep({ base, seeds, jobs, keepGoing: true, progress: () => {} });
  return (r.verdicts.length / r.wallMs) * 60_000;
}

const rows: string[] = [];
for (const faults of ['default', 'all'] as const) {
  for (const replicas of [3, 5]) {
    const base: SimOptions = {
      ...simDefaults(1),
      replicas,
      timeLimit: time,
      ...(faults === 'all' ? { nemesis: ALL_SIM_FAULTS, nemesisInterval: 3 } : {}),
    };
    const one = oneCore(base);
    const perMin = await allCores(base);
    const line =
      `replicas=${replicas} faults=${faults} sim_s_per_wall_s=${one.simPerWall.toFixed(0)} ` +
      `with_checks=${one.withCheck.toFixed(0)} ms_per_${time}s_run=${one.runMs.toFixed(0)} ` +
      `check_ms=${one.checkMs.toFixed(0)} cpu_ms_per_${time}s_run_with_checks=${one.cpuMs.toFixed(0)} ` +
      `runs_per_min_${jobs}_cores=${perMin.toFixed(0)}`;
    process.stdout.write(`${line}\n`);
    rows.push(line);
  }
}
process.stdout.write(`summary runs=${runs} time_s=${time} jobs=${jobs} node=${process.version}\n`);

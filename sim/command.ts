/**
 * `jitter sim`: one simulated run (`--seed N`, stored and reported like a real run, replayable byte for
 * byte) or a sweep over many seeds (`--seeds 1-10000 --jobs N`), recorded in the store as it goes and
 * resumable (`--resume DIR`). Exit codes as `jitter test`: 0 valid, 1 invalid, 2 unknown or a usage error
 * (one line naming the flag), 130 / 143 when a signal stopped a sweep.
 */
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { collectArg, dirArg, intArg, positiveArg } from '../core/cli-util.js';
import type { SeedVerdict } from '../core/sweeps.js';
import { exitCodeFor } from '../harness/analyze.js';
import { ConfigError, readScheduleFile } from '../harness/config.js';
import { writeRunReport, writeStoreIndex } from '../harness/reporting.js';
import { verdictText } from '../harness/run-console.js';
import { ALL_FLAWS, isFlaw } from '../jitpaxos/config.js';
import type { ScheduledAction } from '../nemesis/types.js';
import { WORKLOAD_NAMES, type WorkloadName } from '../workloads/index.js';
import { SIM_FAULT_NAMES } from './faults.js';
import { ALL_SIM_FAULTS, type SimOptions, simDefaults } from './options.js';
import { runSim } from './run.js';
import { writeSimRun } from './store.js';
import { parseSeeds, sweep } from './sweep.js';
import { SweepRecord } from './sweep-record.js';

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** Flags to options; a bad combination fails here with one line. */
export function simOptionsFrom(o: Record<string, unknown>, seed: number): SimOptions {
  const s = simDefaults(seed);
  if (o.replicas !== undefined) s.replicas = o.replicas as number;
  if (o.mode !== undefined) s.mode = o.mode as SimOptions['mode'];
  const flaws = (o.flaw as string[] | undefined) ?? [];
  for (const f of flaws) if (!isFlaw(f)) fail(`--flaw: unknown flaw "${f}"; known: ${ALL_FLAWS.join(', ')}`);
  if (flaws.length > 0 && s.mode === 'seed') fail('--flaw is for fixed mode: seed mode has every flaw');
  s.flaws = [...new Set(flaws)];
  if (o.workload !== undefined) s.workload = o.workload as WorkloadName;
  if (o.concurrency !== undefined) s.concurrency = o.concurrency as number;
  if (o.time !== undefined) s.timeLimit = o.time as number;
  if (o.nemesis !== undefined) {
    const text = String(o.nemesis);
    const names = text === 'none' ? [] : text === 'all' ? ALL_SIM_FAULTS : text.split(',').filter(Boolean);
    for (const n of names)
      if (!SIM_FAULT_NAMES.includes(n))
        fail(`--nemesis: unknown fault "${n}"; known: ${SIM_FAULT_NAMES.join(', ')}, all, none`);
    s.nemesis = names;
  }
  if (o.nemesisInterval !== undefined) s.nemesisInterval = o.nemesisInterval as number;
  if (o.swarm) s.swarm = true;
  if (o.keys !== undefined) s.keys = o.keys as number;
  if (o.clockGranularity !== undefined) s.clockGranularityUs = o.clockGranularity as number;
  if (o.snapshotEvery !== undefined) s.snapshotEvery = o.snapshotEvery as number;
  if (o.schedule !== undefined) {
    try {
      s.schedule = readScheduleFile(String(o.schedule)) as ScheduledAction[];
    } catch (err) {
      fail(`--schedule: ${err instanceof ConfigError ? err.message : (err as Error).message}`);
    }
    for (const a of s.schedule)
      if (!SIM_FAULT_NAMES.includes(a.fault)) fail(`--schedule: unknown fault "${a.fault}"`);
  }
  return s;
}

export function simCommand(): Command {
  const cmd = new Command('sim')
    .description(
      'simulate the protocol core in one process: one seed (stored, replayable) or a sweep of seeds',
    )
    .option('--seed <n>', 'run this one seed and store it (default 1)', intArg('--seed', 0, 2 ** 31 - 1))
    .option('--seeds <ranges>', 'sweep these seeds, e.g. 1-10000 or 1,5,9-12')
    .option('--jobs <n>', 'worker threads for a sweep (default: cores)', intArg('--jobs', 1, 256))
    .option('--keep-going', 'in a sweep, run every seed instead of stopping at the first failure')
    .option(
      '--resume <dir>',
      "run the seeds a stopped sweep's record (<store>/sweeps/<start>) lacks, with its options",
    )
    .option('--replicas <n>', 'number of replicas (default 3)', intArg('--replicas', 1, 15))
    .addOption(new Option('--mode <mode>', 'protocol mode (default fixed)').choices(['fixed', 'seed']))
    .option(
      '--flaw <name>',
      `turn one seed flaw on in fixed mode (repeatable): ${ALL_FLAWS.join(', ')}`,
      collectArg,
    )
    .addOption(new Option('--workload <name>', 'workload (default register)').choices(WORKLOAD_NAMES))
    .option('--concurrency <n>', 'client processes (default 2 per replica)', intArg('--concurrency', 1, 1000))
    .option('--time <seconds>', 'simulated length of the main phase (default 60)', positiveArg('--time'))
    .option(
      '--nemesis <list>',
      `comma-separated faults: ${SIM_FAULT_NAMES.join(', ')}; "all" or "none" (default partition,kill,pause,latency)`,
    )
    .option(
      '--nemesis-interval <seconds>',
      'seconds between fault actions (default 5)',
      positiveArg('--nemesis-interval'),
    )
    .option('--keys <n>', 'keys of the kv workload (default 8)', intArg('--keys', 1, 10000))
    .option(
      '--clock-granularity <us>',
      'client clocks tick in steps of this many microseconds',
      intArg('--clock-granularity', 1, 60_000_000),
    )
    .option(
      '--snapshot-every <n>',
      'fixed mode: compact the log every this many entries held by the whole quorum (default 10000)',
      intArg('--snapshot-every', 1, 1_000_000_000),
    )
    .option('--swarm', 'let each seed also choose the faults, their interval, clock granularity and workload')
    .option('--schedule <file>', 'explicit fault schedule: JSON array of {atMs, fault, action, params?}')
    .option('--store <dir>', 'where runs are kept', dirArg('--store'), 'store')
    .option('--no-report', 'do not write the HTML report')
    .option('--json', 'print one JSON object with the verdict(s)')
    .action(async (o: Record<string, unknown>, self: Command) => {
      if (o.seed !== undefined && o.seeds !== undefined) fail('--seed and --seeds: give one of them');
      if (o.resume !== undefined) {
        // The record holds the sweep's options: a flag that would change them (or its store) has no place here.
        const own = self.options
          .map((x) => x.attributeName())
          .filter((k) => self.getOptionValueSource(k) === 'cli' && !RESUME_FLAGS.has(k));
        if (own.length > 0) fail(`--resume: the sweep's options are in its record; drop --${kebab(own[0]!)}`);
        let record: SweepRecord;
        try {
          record = SweepRecord.open(String(o.resume));
        } catch (err) {
          fail(`--resume: ${(err as Error).message}`);
        }
        process.exitCode = await runSweep(o, record);
        return;
      }
      if (o.seeds !== undefined) {
        const seeds = String(o.seeds);
        let first: number;
        try {
          first = parseSeeds(seeds)[0] ?? 1;
        } catch (err) {
          fail((err as Error).message);
        }
        const options = simOptionsFrom(o, first);
        const record = SweepRecord.create(String(o.store), {
          seeds,
          options,
          keepGoing: Boolean(o.keepGoing),
        });
        process.exitCode = await runSweep(o, record);
        return;
      }
      process.exitCode = await runOne(o, simOptionsFrom(o, (o.seed as number | undefined) ?? 1));
    });
  return cmd;
}

async function runOne(o: Record<string, unknown>, opts: SimOptions): Promise<number> {
  const run = runSim(opts);
  const dir = writeSimRun(String(o.store), run);
  if (o.report !== false) await writeRunReport(dir, String(o.store)).catch(() => {});
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ dir, seed: opts.seed, valid: run.results.valid, ops: run.results.ops, simulatedUs: run.simulatedUs })}\n`,
    );
  } else {
    const failing = Object.entries(run.results.checkers)
      .filter(([, r]) => r.valid !== true)
      .map(([n, r]) => `${n}: ${r.reason ?? r.valid}`);
    process.stderr.write(
      `jitter sim seed=${opts.seed} ${opts.mode}${opts.flaws.length ? ` +${opts.flaws.join('+')}` : ''}: ` +
        `${verdictText(run.results.valid)} (${run.results.ops.total} ops, ${(run.simulatedUs / 1e6).toFixed(1)} simulated s in ` +
        `${((run.wall.simMs + run.wall.checkMs) / 1000).toFixed(2)} s) -> ${dir}\n` +
        failing.map((l) => `  ${l}\n`).join(''),
    );
  }
  return exitCodeFor(run.results.valid);
}

/** What --resume may be given with: how to run the rest, not what to run. */
const RESUME_FLAGS = new Set(['resume', 'jobs', 'keepGoing', 'json', 'report']);

const kebab = (attr: string) => attr.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

async function runSweep(o: Record<string, unknown>, record: SweepRecord): Promise<number> {
  const { plan } = record;
  const seeds = record.remaining();
  const before = record.judged;
  const jobs = (o.jobs as number | undefined) ?? os.availableParallelism();
  const tty = process.stderr.isTTY && !o.json;
  if (!o.json) process.stderr.write(`sweep ${plan.seeds}: ${seeds.length} seeds to run -> ${record.dir}\n`);
  // A signal stops the sweep and keeps what it judged; a second one exits at once.
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    if (!o.json)
      process.stderr.write(`\n${sig}: stopping the sweep; the seeds in flight will run on --resume\n`);
    controller.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let last = 0;
  const failedBefore = record.failed;
  const r = await sweep({
    base: plan.options,
    seeds,
    jobs,
    keepGoing: plan.keepGoing || Boolean(o.keepGoing),
    store: record.store,
    report: o.report !== false,
    signal: controller.signal,
    onVerdict: (v) => {
      record.add(v);
      if (v.valid !== true && !o.json)
        process.stderr.write(`${tty ? '\r\x1b[K' : ''}${failureLine(record, v)}\n`);
    },
    progress: (done, _total, failures, simS, wallMs) => {
      if (o.json) return;
      const line =
        `[${before + done}/${plan.total}] ${failedBefore + failures} failed | ` +
        `${(simS / (wallMs / 1000)).toFixed(0)} simulated s/s, ${((done / wallMs) * 60_000).toFixed(0)} runs/min`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (wallMs - last > 5000 || done === seeds.length) {
        last = wallMs;
        process.stderr.write(`${line}\n`);
      }
    },
  }).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  if (tty) process.stderr.write('\n');
  const signal = controller.signal.aborted ? (controller.signal.reason as NodeJS.Signals) : null;
  const stopped = signal ?? (r.stopped ? 'first failure' : undefined);
  const summary = record.finish(r.wallMs, stopped);
  record.unlock();
  // The store browser lists the sweep and links its stored failures.
  if (o.report !== false) await writeStoreIndex(record.store).catch(() => {});
  const runDirOf = (v: SeedVerdict) => (v.stored ? [path.join(record.store, v.stored)] : []);
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({
        record: record.dir,
        seeds: summary.judged,
        failures: summary.failures,
        stored: summary.failures.flatMap(runDirOf),
        complete: summary.complete,
        ...(summary.stopped ? { stopped: summary.stopped } : {}),
        wallMs: Math.round(r.wallMs),
      })}\n`,
    );
  } else {
    for (const v of summary.failures) process.stderr.write(`${failureLine(record, v)}\n`);
    process.stderr.write(
      `${summary.judged} of ${summary.seeds} seeds judged, ${summary.failures.length} failed -> ${record.dir}\n`,
    );
    if (!summary.complete)
      process.stderr.write(
        `${signal ? `stopped by ${signal}` : 'stopped at the first failure (--keep-going runs them all)'}; ` +
          `the rest: jitter sim --resume ${record.dir}\n`,
      );
  }
  if (signal) return signal === 'SIGINT' ? 130 : 143;
  return summary.invalid > 0 ? 1 : summary.unknown > 0 ? 2 : 0;
}

function failureLine(record: SweepRecord, v: SeedVerdict): string {
  const where = v.stored ? ` -> ${path.join(record.store, v.stored)}` : '';
  return `seed ${v.seed}: ${verdictText(v.valid)} (${v.failed.join(', ')})${where}`;
}

/** `jitter test`: one chaos test against the built-in JIT Paxos cluster. */
import { Command, Option } from 'commander';
import { ALL_FLAWS } from '../jitpaxos/config.js';
import { FAULT_NAMES } from '../nemesis/index.js';
import { WORKLOAD_NAMES } from '../workloads/index.js';
import { intArg } from './cli-util.js';
import { ConfigError, readConfigFile, readScheduleFile, resolveConfig, type TestConfig } from './config.js';
import { writeRunReport } from './reporting.js';
import { randomSeed } from './rng.js';
import { exitCodeOf, outcomeJson, printOutcome, runWithConsole } from './run-console.js';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
};

export function testCommand(): Command {
  return new Command('test')
    .description('run one chaos test: cluster behind Toxiproxy, clients, faults, checks; stores the run')
    .showHelpAfterError('(run with --help for usage)')
    .option('--config <file>', 'JSON config file (flags override it)')
    .option('--replicas <n>', 'number of replicas (default 3)', intArg('--replicas', 1, 15))
    .addOption(new Option('--mode <mode>', 'protocol mode (default fixed)').choices(['fixed', 'seed']))
    .option(
      '--flaw <name>',
      `turn one seed flaw on in fixed mode (repeatable): ${ALL_FLAWS.join(', ')}`,
      collect,
    )
    .addOption(new Option('--workload <name>', 'workload (default register)').choices(WORKLOAD_NAMES))
    .option('--concurrency <n>', 'client processes (default 2 per replica)', intArg('--concurrency', 1, 1000))
    .option('--rate <ops>', 'cap on operations per second (default none)', positive('--rate'))
    .option('--time-limit <seconds>', 'length of the main phase (default 60)', positive('--time-limit'))
    .option(
      '--nemesis <list>',
      `comma-separated faults: ${FAULT_NAMES.join(', ')}; "none" for none (default partition)`,
    )
    .option(
      '--nemesis-interval <seconds>',
      'seconds between fault actions (default 5)',
      positive('--nemesis-interval'),
    )
    .option(
      '--seed <n>',
      'seed for the operation plan and fault schedule (default random)',
      intArg('--seed', 0, 2 ** 31 - 1),
    )
    .option('--store <dir>', 'where runs are kept (default ./store)')
    .option('--toxiproxy <choice>', 'auto | embedded | URL | bin:PATH (default auto)')
    .option('--no-fsync', 'replicas write their log without fsync')
    .option(
      '--clock-granularity <us>',
      'client clocks tick in steps of this many microseconds (coarse clocks make timestamps tie)',
      intArg('--clock-granularity', 1, 60_000_000),
    )
    .option('--schedule <file>', 'explicit fault schedule: JSON array of {atMs, fault, action, params?}')
    .option('--leave-running', 'leave the cluster and Toxiproxy running after a successful run')
    .option(
      '--check-every <seconds>',
      'run the checkers incrementally during the run, this often (default: only at the end)',
      positive('--check-every'),
    )
    .option(
      '--stop-on-anomaly',
      'end the run (heal, final reads, teardown, store) at the first anomaly an incremental check finds',
    )
    .option('--json', 'print one JSON object with the verdict instead of progress and a summary')
    .action(async (o, cmd: Command) => {
      const flags: Partial<TestConfig> = {};
      if (o.replicas !== undefined) flags.replicas = o.replicas;
      if (o.mode !== undefined) flags.mode = o.mode;
      if (o.flaw !== undefined) flags.flaws = o.flaw;
      if (o.workload !== undefined) flags.workload = o.workload;
      if (o.concurrency !== undefined) flags.concurrency = o.concurrency;
      if (o.rate !== undefined) flags.rate = o.rate;
      if (o.timeLimit !== undefined) flags.timeLimit = o.timeLimit;
      if (o.nemesis !== undefined)
        flags.nemesis = o.nemesis === 'none' ? [] : String(o.nemesis).split(',').filter(Boolean);
      if (o.nemesisInterval !== undefined) flags.nemesisInterval = o.nemesisInterval;
      if (o.seed !== undefined) flags.seed = o.seed;
      if (o.store !== undefined) flags.store = o.store;
      if (o.toxiproxy !== undefined) flags.toxiproxy = o.toxiproxy;
      if (o.fsync === false) flags.fsync = false;
      if (o.clockGranularity !== undefined) flags.clockGranularityUs = o.clockGranularity;
      if (o.leaveRunning) flags.leaveRunning = true;
      if (o.checkEvery !== undefined) flags.checkEvery = o.checkEvery;
      if (o.stopOnAnomaly) flags.stopOnAnomaly = true;
      if (flags.stopOnAnomaly && !flags.checkEvery)
        cmd.error('error: --stop-on-anomaly needs --check-every SECONDS', { exitCode: 2 });
      let cfg: TestConfig;
      try {
        if (o.schedule !== undefined) flags.schedule = readScheduleFile(o.schedule);
        const file = o.config ? readConfigFile(o.config) : {};
        cfg = resolveConfig(randomSeed(), file, flags);
      } catch (err) {
        if (err instanceof ConfigError) cmd.error(`error: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      const outcome = await runWithConsole(cfg, { json: Boolean(o.json), report: writeRunReport });
      if (o.json) process.stdout.write(`${JSON.stringify(outcomeJson(outcome, cfg))}\n`);
      else printOutcome(outcome);
      process.exitCode = exitCodeOf(outcome);
    });
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `jitter test`: one chaos test against a registered system (the built-in JIT Paxos cluster by default). */
import { Command, Option } from 'commander';
import { collectArg, dirArg, intArg, positiveArg } from '../core/cli-util.js';
import { randomSeed } from '../core/rng.js';
import { FAULT_NAMES } from '../nemesis/index.js';
import { allSystems, systemNames } from '../systems/index.js';
import { WORKLOAD_NAMES } from '../workloads/index.js';
import { ConfigError, readConfigFile, readScheduleFile, resolveConfig, type TestConfig } from './config.js';
import { writeRunReport } from './reporting.js';
import { exitCodeOf, outcomeJson, printOutcome, runWithConsole } from './run-console.js';

export function testCommand(): Command {
  const cmd = new Command('test')
    .description('run one chaos test: cluster behind Toxiproxy, clients, faults, checks; stores the run')
    .showHelpAfterError('(run with --help for usage)')
    .option('--config <file>', 'JSON config file (flags override it)')
    .addOption(new Option('--system <name>', 'system under test (default jitpaxos)').choices(systemNames()))
    .option('--replicas <n>', 'number of replicas (default 3)', intArg('--replicas', 1, 15))
    .addOption(new Option('--workload <name>', 'workload (default register)').choices(WORKLOAD_NAMES))
    .option('--concurrency <n>', 'client processes (default 2 per replica)', intArg('--concurrency', 1, 1000))
    .option('--rate <ops>', 'cap on operations per second (default none)', positiveArg('--rate'))
    .option(
      '--time-limit <seconds>',
      'length of the main phase (default 60)',
      positiveArg('--time-limit', 86_400),
    )
    .option(
      '--nemesis <list>',
      `comma-separated faults: ${FAULT_NAMES.join(', ')}; "none" for none (default partition)`,
    )
    .option(
      '--nemesis-interval <seconds>',
      'seconds between fault actions (default 5)',
      positiveArg('--nemesis-interval', 86_400),
    )
    .option(
      '--nemesis-period <seconds>',
      'replay the planned faults every this many seconds, each period ending healed (default: no repeat)',
      positiveArg('--nemesis-period', 86_400),
    )
    .option(
      '--seed <n>',
      'seed for the operation plan and fault schedule (default random)',
      intArg('--seed', 0, 2 ** 31 - 1),
    )
    .option('--store <dir>', 'where runs are kept (default ./store)', dirArg('--store'))
    .option('--toxiproxy <choice>', 'auto | embedded | URL | bin:PATH (default auto)')
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
      positiveArg('--check-every', 86_400),
    )
    .option(
      '--stop-on-anomaly',
      'end the run (heal, final reads, teardown, store) at the first anomaly an incremental check finds',
    )
    .option('--json', 'print one JSON object with the verdict instead of progress and a summary');
  // Each system's own flags, which set fields of its config.
  const systemFlags = allSystems().flatMap((p) =>
    (p.flags ?? []).map((f) => {
      const option = new Option(f.option, `${f.description} (--system ${p.name})`);
      if (f.choices) option.choices(f.choices);
      if (f.repeatable) option.argParser(collectArg);
      cmd.addOption(option);
      return { attribute: option.attributeName(), field: f.field, flag: option.long!, system: p.name };
    }),
  );
  return cmd.action(async (o, cmd: Command) => {
    const flags: Partial<TestConfig> = {};
    if (o.system !== undefined) flags.system = o.system;
    // Only what was given: a negated flag (--no-fsync) has an implied default that must not override a file.
    for (const f of systemFlags)
      if (cmd.getOptionValueSource(f.attribute) === 'cli') setField(flags, f.field, o[f.attribute]);
    if (o.replicas !== undefined) flags.replicas = o.replicas;
    if (o.workload !== undefined) flags.workload = o.workload;
    if (o.concurrency !== undefined) flags.concurrency = o.concurrency;
    if (o.rate !== undefined) flags.rate = o.rate;
    if (o.timeLimit !== undefined) flags.timeLimit = o.timeLimit;
    if (o.nemesis !== undefined)
      flags.nemesis = o.nemesis === 'none' ? [] : String(o.nemesis).split(',').filter(Boolean);
    if (o.nemesis !== undefined && o.nemesis !== 'none' && flags.nemesis?.length === 0)
      cmd.error('error: --nemesis is empty: name faults, or "none" for none', { exitCode: 2 });
    if (o.nemesisInterval !== undefined) flags.nemesisInterval = o.nemesisInterval;
    if (o.nemesisPeriod !== undefined) flags.nemesisPeriod = o.nemesisPeriod;
    if (o.seed !== undefined) flags.seed = o.seed;
    if (o.store !== undefined) flags.store = o.store;
    if (o.toxiproxy !== undefined) flags.toxiproxy = o.toxiproxy;
    if (o.clockGranularity !== undefined) flags.clockGranularityUs = o.clockGranularity;
    if (o.leaveRunning) flags.leaveRunning = true;
    if (o.checkEvery !== undefined) flags.checkEvery = o.checkEvery;
    if (o.stopOnAnomaly) flags.stopOnAnomaly = true;
    let cfg: TestConfig;
    try {
      // A file's own errors start with its name; the flag goes first, so the line names it too.
      const named = <T>(flag: string, read: () => T): T => {
        try {
          return read();
        } catch (err) {
          if (err instanceof ConfigError) throw new ConfigError(`${flag} ${err.message}`);
          throw err;
        }
      };
      if (o.schedule !== undefined) flags.schedule = named('--schedule', () => readScheduleFile(o.schedule));
      const file = o.config ? named('--config', () => readConfigFile(o.config)) : {};
      cfg = resolveConfig(randomSeed(), file, flags);
      // Another system's flag would be ignored silently: say so instead.
      const foreign = systemFlags.find(
        (f) => f.system !== cfg.system && cmd.getOptionValueSource(f.attribute) === 'cli',
      );
      if (foreign)
        throw new ConfigError(
          `${foreign.flag} is for --system ${foreign.system}; this run's system is ${cfg.system}`,
        );
    } catch (err) {
      if (err instanceof ConfigError)
        cmd.error(`error: ${blame(cmd, systemFlags, err.message)}`, { exitCode: 2 });
      throw err;
    }
    const outcome = await runWithConsole(cfg, { json: Boolean(o.json), report: writeRunReport });
    if (o.json) process.stdout.write(`${JSON.stringify(outcomeJson(outcome, cfg))}\n`);
    else printOutcome(outcome);
    process.exitCode = exitCodeOf(outcome);
  });
}

/** A config error about a field that a flag set: the flag goes first, so the line names what was typed. */
function blame(
  cmd: Command,
  systemFlags: Array<{ attribute: string; field: readonly string[] }>,
  msg: string,
): string {
  const fieldOf = (attribute: string) =>
    systemFlags.find((f) => f.attribute === attribute)?.field.at(-1) ??
    (attribute === 'clockGranularity' ? 'clockGranularityUs' : attribute);
  const flags = cmd.options
    .filter((o) => !['--config', '--schedule'].includes(o.long!))
    .filter((o) => cmd.getOptionValueSource(o.attributeName()) === 'cli')
    .filter((o) => new RegExp(`\\b${fieldOf(o.attributeName())}\\b`).test(msg))
    .map((o) => o.long!);
  return flags.length > 0 && !flags.some((f) => msg.includes(f)) ? `${flags.join(', ')}: ${msg}` : msg;
}

/** Sets config[a][b]... = value, creating the blocks on the way. */
function setField(config: Record<string, unknown>, field: readonly string[], value: unknown): void {
  let at = config;
  for (const k of field.slice(0, -1)) {
    at[k] = { ...((at[k] as Record<string, unknown> | undefined) ?? {}) };
    at = at[k] as Record<string, unknown>;
  }
  at[field.at(-1)!] = value;
}

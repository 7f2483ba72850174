/**
 * `jitter repro`: re-run a stored test with the same config and seed (so the same operation plan),
 * replaying its recorded fault schedule at the same relative times; says whether the anomaly came back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { intArg } from '../core/cli-util.js';
import { FILES, type RunResults } from '../core/store.js';
import type { ScheduledAction } from '../nemesis/index.js';
import type { TestConfig } from './config.js';
import { writeRunReport } from './reporting.js';
import { exitCodeOf, interruptedBy, outcomeJson, runWithConsole, verdictText } from './run-console.js';
import { loadRun } from './run-dir.js';

export function reproConfig(dir: string): { cfg: TestConfig; original: RunResults['valid'] | 'unknown' } {
  const run = loadRun(dir);
  const original = run.config;
  let valid: RunResults['valid'] | 'unknown' = 'unknown';
  try {
    valid = (JSON.parse(fs.readFileSync(path.join(dir, FILES.results), 'utf8')) as RunResults).valid;
  } catch {
    // An interrupted original has no results: the repro still runs.
  }
  const cfg: TestConfig = {
    ...original,
    seed: run.record.seed,
    schedule: (run.record.schedule as ScheduledAction[] | undefined) ?? [],
    leaveRunning: false,
  };
  return { cfg, original: valid };
}

export function reproCommand(): Command {
  return new Command('repro')
    .description(
      're-run a stored test with its config, seed and recorded fault schedule; report how often the anomaly returns',
    )
    .showHelpAfterError('(run with --help for usage)')
    .argument('<run-dir>', 'the stored run to reproduce')
    .option('--times <n>', 'how many reproductions', intArg('--times', 1, 1000), 1)
    .option('--json', 'one JSON object per reproduction, then a summary object')
    .action(async (dir: string, o, cmd: Command) => {
      let base: ReturnType<typeof reproConfig>;
      try {
        base = reproConfig(dir);
      } catch (err) {
        cmd.error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
      const { cfg, original } = base!;
      let invalid = 0;
      let ran = 0;
      const runs: string[] = [];
      for (let i = 0; i < o.times && !interruptedBy; i++) {
        const outcome = await runWithConsole(cfg, {
          json: Boolean(o.json),
          record: { reproduces: dir },
          report: writeRunReport,
        });
        ran++;
        runs.push(outcome.dir);
        if (outcome.results?.valid === false) invalid++;
        if (o.json) process.stdout.write(`${JSON.stringify(outcomeJson(outcome, cfg))}\n`);
        else
          process.stdout.write(
            `repro ${i + 1}/${o.times}: ${verdictText(outcome.results?.valid ?? 'unknown')}  ${outcome.dir}\n`,
          );
        if (!outcome.results) process.exitCode = exitCodeOf(outcome);
      }
      const summary = { original: dir, originalValid: original, runs: ran, reproduced: invalid, dirs: runs };
      if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        process.stdout.write(
          `the anomaly ${original === false ? `came back in ${invalid} of ${ran} run(s)` : `(original was ${String(original)}): ${invalid} of ${ran} run(s) invalid`}\n`,
        );
      // Like a test: 1 when an anomaly showed up, 0 when every reproduction was valid.
      process.exitCode ??= invalid > 0 ? 1 : 0;
    });
}

/**
 * `jitter shrink RUN_DIR`: minimise a failing simulated run. Writes the minimal run to the store, and in its
 * folder a readable step list (steps.txt), the faults that real processes can replay (schedule.json, for
 * `jitter test --schedule`) and how the shrinking went (shrink.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { dirArg, intArg } from '../core/cli-util.js';
import type { RunResults } from '../core/store.js';
import { makeSimFaults } from './faults.js';
import { shrink } from './shrink.js';
import { realSchedule, stepList } from './steps.js';
import { readSimOptions, writeSimRun } from './store.js';

export const SHRINK_FILES = {
  steps: 'steps.txt',
  schedule: 'schedule.json',
  shrink: 'shrink.json',
  regression: 'regression.json',
} as const;

/** A kept failure, as test/sim-regressions/*.json holds them (copy regression.json there). */
export interface SimRegression {
  /** What the failure is, for people. */
  description: string;
  options: import('./options.js').SimOptions;
  /** These checkers must say invalid when the options are replayed. */
  checkers: string[];
  /** Set for a failure of plain fixed mode (a protocol bug not fixed yet): the test expects it to fail. */
  knownBug?: string;
  /** Set once that bug is fixed (what fixed it): the replay must then be valid on every checker. */
  fixedBy?: string;
}

export function shrinkCommand(): Command {
  const cmd = new Command('shrink')
    .description('minimise a failing simulated run while the same checker still fails')
    .argument('<run-dir>', 'a stored simulated run (store/sim-.../<stamp>)')
    .option('--checker <name>', 'the checker that must keep failing (default: every one that failed)')
    .option(
      '--max-runs <n>',
      'simulated runs to spend at most (default 300)',
      intArg('--max-runs', 1, 100_000),
    )
    .option('--store <dir>', 'where to store the minimal run', dirArg('--store'), 'store')
    .action((runDir: string, o: { checker?: string; maxRuns?: number; store: string }) => {
      let options: ReturnType<typeof readSimOptions>;
      let results: RunResults;
      try {
        options = readSimOptions(runDir);
        results = JSON.parse(fs.readFileSync(path.join(runDir, 'results.json'), 'utf8')) as RunResults;
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exit(2);
      }
      if (o.checker !== undefined && !(o.checker in results.checkers)) {
        process.stderr.write(
          `error: --checker: no checker "${o.checker}" in this run (it has ${Object.keys(results.checkers).join(', ')})\n`,
        );
        process.exit(2);
      }
      const checkers = o.checker
        ? [o.checker]
        : Object.entries(results.checkers)
            .filter(([, r]) => r.valid === false)
            .map(([n]) => n);
      if (checkers.length === 0) {
        process.stderr.write(`error: ${runDir}: no checker failed, nothing to shrink\n`);
        process.exit(2);
      }
      const r = shrink(options, checkers, {
        ...(o.maxRuns ? { maxRuns: o.maxRuns } : {}),
        log: (l) => process.stderr.write(`${l}\n`),
      });
      const dir = writeSimRun(o.store, r.run, { reproduces: path.resolve(runDir) });
      fs.writeFileSync(path.join(dir, SHRINK_FILES.steps), stepList(r.run, r.checkers));
      const faults = makeSimFaults([...new Set(r.options.schedule!.map((a) => a.fault))]);
      fs.writeFileSync(
        path.join(dir, SHRINK_FILES.schedule),
        `${JSON.stringify(realSchedule(r.options.schedule!, faults), null, 2)}\n`,
      );
      fs.writeFileSync(
        path.join(dir, SHRINK_FILES.shrink),
        `${JSON.stringify({ original: path.resolve(runDir), checkers: r.checkers, runs: r.runs, log: r.log, options: r.options }, null, 2)}\n`,
      );
      const still = r.checkers.filter((c) => r.run.results.checkers[c]?.valid === false);
      const regression: SimRegression = {
        description: `${r.options.mode}${r.options.flaws.length ? ` +${r.options.flaws.join('+')}` : ''} seed ${r.options.seed}: ${still.join(', ')} (shrunk from ${path.basename(path.dirname(runDir))}/${path.basename(runDir)})`,
        options: r.options,
        checkers: still,
      };
      fs.writeFileSync(path.join(dir, SHRINK_FILES.regression), `${JSON.stringify(regression, null, 2)}\n`);
      process.stderr.write(`minimal run (${r.runs} runs): ${dir}\n  ${path.join(dir, SHRINK_FILES.steps)}\n`);
    });
  return cmd;
}

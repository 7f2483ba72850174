/**
 * `jitter store`: looking after a store that lives for months (prune) and joining machines' stores (merge).
 * Bad flags exit 2 in one line, as every jitter command (core/cli-util.ts runCli).
 */
import fs from 'node:fs';
import { Command } from 'commander';
import { dirArg, intArg } from '../core/cli-util.js';
import { writeStoreIndex } from '../reports/index.js';
import { formatBytes } from './progress.js';
import { applyPrune, planPrune } from './prune.js';
import { mergeStores } from './store-merge.js';

export function pruneCommand(): Command {
  return new Command('prune')
    .description(
      'remove old runs and sweep records: keep the newest N per test (sweeps count as one test) or those ' +
        'younger than D days (either keeps a run); invalid runs, sweeps with a failing seed and each test’s ' +
        'newest always stay; a dry run unless --yes',
    )
    .option('--store <dir>', 'the store', dirArg('--store'), 'store')
    .option('--keep <n>', 'keep the newest N runs of each test', intArg('--keep', 1, 1_000_000))
    .option('--days <d>', 'keep runs younger than D days', intArg('--days', 0, 100_000))
    .option('--prune-invalid', 'remove invalid runs too (kept by default: they are worth reproducing)')
    .option('--yes', 'remove for real (default: only say what would go)')
    .option('--json', 'print one JSON object')
    .action(async (o, cmd: Command) => {
      if (o.keep === undefined && o.days === undefined)
        cmd.error('error: say what to keep: --keep N or --days D', { exitCode: 2 });
      if (!fs.existsSync(o.store)) cmd.error(`error: ${o.store}: no such store`, { exitCode: 2 });
      const plan = planPrune(o.store, {
        ...(o.keep !== undefined ? { keep: o.keep } : {}),
        ...(o.days !== undefined ? { days: o.days } : {}),
        pruneInvalid: Boolean(o.pruneInvalid),
      });
      const bytes = plan.remove.reduce((a, c) => a + c.bytes, 0);
      if (o.yes) {
        applyPrune(plan);
        await writeStoreIndex(o.store);
      }
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ removed: Boolean(o.yes), remove: plan.remove.map((c) => c.dir), kept: plan.keep.length, bytes })}\n`,
        );
        return;
      }
      const verb = o.yes ? 'removed' : 'would remove';
      for (const c of plan.remove) process.stdout.write(`${verb} ${c.dir} (${formatBytes(c.bytes)})\n`);
      process.stdout.write(
        `${verb} ${plan.remove.length} runs (${formatBytes(bytes)}), keeping ${plan.keep.length}` +
          `${plan.keep.some((k) => k.why === 'invalid') ? ` (${plan.keep.filter((k) => k.why === 'invalid').length} invalid)` : ''}` +
          `${o.yes ? '' : '; run again with --yes to remove them'}\n`,
      );
    });
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description(
      "combine stores (a sharded nightly's machines): runs, sweep records, each night's summary.json and junit.xml, the trend page",
    )
    .argument('<dir...>', 'stores to merge')
    .option('--into <dir>', 'the merged store', dirArg('--into'), 'store')
    .action(async (dirs: string[], o, cmd: Command) => {
      const missing = dirs.filter((d) => !fs.existsSync(d));
      if (missing.length > 0) cmd.error(`error: ${missing.join(', ')}: no such store`, { exitCode: 2 });
      const r = await mergeStores(o.into, dirs);
      process.stdout.write(
        `merged ${dirs.length} stores into ${o.into}: ${r.runs} runs copied` +
          `${r.skippedRuns > 0 ? ` (${r.skippedRuns} already there)` : ''}` +
          `${r.sweeps > 0 ? `, ${r.sweeps} sweep records` : ''}` +
          `${r.nights.length > 0 ? `, nights joined: ${r.nights.join(', ')}` : ''}\n`,
      );
    });
}

export function storeCommand(): Command {
  return new Command('store')
    .description('look after the store of runs')
    .addCommand(pruneCommand())
    .addCommand(mergeCommand());
}

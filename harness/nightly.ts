/**
 * `jitter nightly`: a matrix of tests, one after another within a time budget, continuing after failures.
 * Writes summary.json and junit.xml, refreshes the store index, and exits non-zero if any test did not
 * give its expected verdict (a fixed run found an anomaly, or a flaw run was not caught).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { dirArg, intArg } from '../core/cli-util.js';
import { runStamp } from '../core/store.js';
import { ConfigError, resolveConfig } from './config.js';
import { type JUnitCase, junitXml } from './junit.js';
import { expandMatrix, type Matrix, type PlannedTest, PRESETS, readMatrix } from './matrix.js';
import { writeTrendPage } from './nightly-trend.js';
import { writeRunReport } from './reporting.js';
import { interruptedBy, runWithConsole, verdictText } from './run-console.js';

export interface NightlyTestResult {
  name: string;
  expect: 'valid' | 'invalid';
  valid: boolean | 'unknown' | 'skipped';
  passed: boolean;
  seconds: number;
  dir?: string;
  reason?: string;
}

export interface NightlySummary {
  preset?: string;
  matrix?: string;
  /** Which night this is (shards of one night share it; `jitter store merge` joins them by it). */
  night?: string;
  /** This machine's share of the matrix (--shard I/N). */
  shard?: { index: number; count: number };
  /** A night joined from shards (`jitter store merge`): each shard's own summary, so later merges add to it. */
  parts?: NightlySummary[];
  started: string;
  seconds: number;
  budgetSeconds: number;
  tests: NightlyTestResult[];
  passed: number;
  failed: number;
  skipped: number;
}

/** Did the test give what was expected of it? Unknown is never a pass. */
function passes(t: PlannedTest, valid: boolean | 'unknown'): boolean {
  return t.expect === 'valid' ? valid === true : valid === false;
}

export async function runNightly(
  tests: PlannedTest[],
  o: {
    store: string;
    budgetSeconds: number;
    json: boolean;
    /** Where summary.json and junit.xml go: the store's record of the night, and --out if it is elsewhere. */
    out: string | string[];
    label: Pick<NightlySummary, 'preset' | 'matrix' | 'night' | 'shard'>;
  },
): Promise<NightlySummary> {
  const started = Date.now();
  const results: NightlyTestResult[] = [];
  for (const [i, t] of tests.entries()) {
    const elapsed = (Date.now() - started) / 1000;
    const timeLimit = Number(t.config.timeLimit ?? 60);
    // Skip a test that cannot finish inside the budget (its main phase plus a margin for setup and checks).
    if (interruptedBy || elapsed + timeLimit + 15 > o.budgetSeconds) {
      results.push({
        name: t.name,
        expect: t.expect,
        valid: 'skipped',
        passed: true,
        seconds: 0,
        reason: interruptedBy ? `interrupted by ${interruptedBy}` : 'time budget exhausted',
      });
      continue;
    }
    if (!o.json) process.stderr.write(`[${i + 1}/${tests.length}] ${t.name} (expect ${t.expect})\n`);
    const t0 = Date.now();
    try {
      const cfg = resolveConfig(
        Number(t.config.seed ?? 1),
        { ...t.config, name: t.name, store: o.store },
        {},
      );
      const outcome = await runWithConsole(cfg, { json: true, report: writeRunReport });
      const valid = outcome.results?.valid ?? 'unknown';
      const failing = outcome.results
        ? Object.entries(outcome.results.checkers)
            .filter(([, c]) => c.valid !== true)
            .map(([k, c]) => `${k}: ${c.reason ?? c.valid}`)
        : [outcome.interrupted ?? 'no results'];
      results.push({
        name: t.name,
        expect: t.expect,
        valid,
        passed: passes(t, valid),
        seconds: (Date.now() - t0) / 1000,
        dir: outcome.dir,
        ...(failing.length > 0 ? { reason: failing.join('; ') } : {}),
      });
      if (!o.json)
        process.stderr.write(
          `    ${verdictText(valid)} in ${((Date.now() - t0) / 1000).toFixed(0)} s -> ${outcome.dir}\n`,
        );
    } catch (err) {
      results.push({
        name: t.name,
        expect: t.expect,
        valid: 'unknown',
        passed: false,
        seconds: (Date.now() - t0) / 1000,
        reason: (err as Error).message,
      });
    }
  }
  const summary: NightlySummary = {
    ...o.label,
    started: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    budgetSeconds: o.budgetSeconds,
    tests: results,
    passed: results.filter((r) => r.valid !== 'skipped' && r.passed).length,
    failed: results.filter((r) => !r.passed).length,
    skipped: results.filter((r) => r.valid === 'skipped').length,
  };
  const junit = junitXml(`jitter ${o.label.preset ?? 'nightly'}`, results.map(toCase));
  for (const out of typeof o.out === 'string' ? [o.out] : o.out) {
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    fs.writeFileSync(path.join(out, 'junit.xml'), junit);
  }
  return summary;
}

export function toCase(r: NightlyTestResult): JUnitCase {
  const c: JUnitCase = {
    name: r.name,
    classname: `jitter.${r.expect === 'invalid' ? 'flaws' : 'chaos'}`,
    seconds: r.seconds,
    failure: r.passed
      ? null
      : `expected ${r.expect}, got ${String(r.valid)}${r.reason ? `: ${r.reason}` : ''}`,
  };
  if (r.valid === 'skipped') c.skipped = r.reason ?? 'skipped';
  if (r.dir) c.output = `run: ${r.dir}`;
  return c;
}

export function nightlyCommand(): Command {
  return new Command('nightly')
    .description('run a matrix of tests within a time budget; write summary.json and junit.xml')
    .showHelpAfterError('(run with --help for usage)')
    .option('--matrix <file>', 'JSON matrix (workloads, nemeses, modes, replicas, seeds, flaws, base, tests)')
    .addOption(new Option('--preset <name>', 'a built-in matrix').choices(Object.keys(PRESETS)))
    .option(
      '--budget <seconds>',
      'total time budget (tests that would not fit are skipped)',
      intArg('--budget', 1, 7 * 86_400),
      3600,
    )
    .option('--store <dir>', 'where runs are kept', dirArg('--store'), 'store')
    .option(
      '--out <dir>',
      'also write summary.json and junit.xml here (the store keeps its own copy under <store>/nightly/<start>, for the trend page)',
      dirArg('--out'),
    )
    .option(
      '--shard <i/n>',
      "run only this machine's share of the matrix: entry names hashed into N shards, this is shard I (1-based)",
    )
    .option('--night <id>', 'which night this is, shared by its shards (default: the UTC date, YYYYMMDD)')
    .option('--json', 'print the summary as JSON')
    .action(async (o, cmd: Command) => {
      if (!o.matrix && !o.preset) cmd.error('error: give --matrix FILE or --preset NAME', { exitCode: 2 });
      const shard = o.shard === undefined ? null : parseShard(o.shard);
      if (o.shard !== undefined && !shard)
        cmd.error(`error: --shard must be I/N with 1 <= I <= N (got "${o.shard}")`, { exitCode: 2 });
      const night: string = o.night ?? runStamp(new Date()).slice(0, 8);
      if (!/^[A-Za-z0-9_.-]+$/.test(night))
        cmd.error('error: --night must be letters, digits, _ . -', { exitCode: 2 });
      let matrix: Matrix;
      try {
        matrix = o.matrix ? readMatrix(o.matrix) : PRESETS[o.preset]!();
      } catch (err) {
        if (err instanceof ConfigError)
          cmd.error(`error: ${o.matrix ? '--matrix ' : ''}${err.message}`, { exitCode: 2 });
        throw err;
      }
      const tests = expandMatrix(matrix!).filter((t) => !shard || inShard(t.name, shard));
      // The store records every night it ran (the trend page reads <store>/nightly/*/summary.json); --out
      // elsewhere gets a copy, and --out inside <store>/nightly is the record itself.
      const nightly = path.join(o.store, 'nightly');
      const out: string = o.out ?? '';
      const record =
        out && path.resolve(path.dirname(out)) === path.resolve(nightly)
          ? out
          : path.join(
              nightly,
              shard ? `${night}-shard-${shard.index}-of-${shard.count}` : runStamp(new Date()),
            );
      const summary = await runNightly(tests, {
        store: o.store,
        budgetSeconds: o.budget,
        json: Boolean(o.json),
        out: out && out !== record ? [record, out] : [record],
        label: {
          ...(o.matrix ? { matrix: o.matrix } : { preset: o.preset }),
          night,
          ...(shard ? { shard } : {}),
        },
      });
      writeTrendPage(nightly);
      if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        for (const t of summary.tests) {
          const mark = t.valid === 'skipped' ? 'SKIP' : t.passed ? 'PASS' : 'FAIL';
          process.stdout.write(
            `${mark}  ${t.name}  (expected ${t.expect}, got ${String(t.valid)})${t.dir ? `  ${t.dir}` : ''}\n`,
          );
        }
        process.stdout.write(
          `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped; summary in ${out || record}\n`,
        );
      }
      process.exitCode = interruptedBy ? 130 : summary.failed > 0 ? 1 : 0;
    });
}

export function parseShard(s: string): { index: number; count: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index >= 1 && index <= count && count <= 10_000 ? { index, count } : null;
}

/**
 * Whether an entry is in shard I of N: by a hash of its name, so an entry stays on its shard when others are
 * added to or removed from the matrix, and every machine agrees without talking to the others.
 */
export function inShard(name: string, shard: { index: number; count: number }): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shard.count === shard.index - 1;
}

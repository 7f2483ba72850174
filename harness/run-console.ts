/**
 * Running tests from a terminal: progress on stderr (one rewritten line on a TTY, a line every few
 * seconds otherwise, nothing with --json), and SIGINT / SIGTERM turned into a clean abort (a second
 * signal exits at once; replicas and Toxiproxy exit with us through their stdin pipes).
 */

import type { RunResults } from '../core/store.js';
import type { TestConfig } from './config.js';
import { type RunOptions, type RunOutcome, runTest } from './run.js';
import { paint } from './terminal.js';

export interface ConsoleRun {
  json: boolean;
  record?: RunOptions['record'];
  report?: RunOptions['report'];
}

/** Set once a signal arrived, so that callers running several tests stop after this one. */
export let interruptedBy: NodeJS.Signals | null = null;

export async function runWithConsole(cfg: TestConfig, o: ConsoleRun): Promise<RunOutcome> {
  const tty = process.stderr.isTTY && !o.json;
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (interruptedBy) process.exit(sig === 'SIGINT' ? 130 : 143);
    interruptedBy = sig;
    process.stderr.write(`\n${sig}: stopping the run and tearing the cluster down...\n`);
    controller.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lastLine = 0;
  try {
    const outcome = await runTest(cfg, {
      signal: controller.signal,
      ...(o.record ? { record: o.record } : {}),
      ...(o.report ? { report: o.report } : {}),
      progress: (line) => {
        if (o.json) return;
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
        else if (!line.startsWith('[') || Date.now() - lastLine > 5000) {
          lastLine = Date.now();
          process.stderr.write(`${line}\n`);
        }
      },
      onRunDir: (dir) => {
        if (!o.json) process.stderr.write(`jitter test ${cfg.name} seed=${cfg.seed} -> ${dir}\n`);
      },
    });
    if (tty) process.stderr.write('\r\x1b[K');
    return outcome;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function verdictText(v: RunResults['valid']): string {
  return v === true
    ? paint('green', 'valid')
    : v === false
      ? paint('red', 'INVALID')
      : paint('yellow', 'unknown');
}

/** The end-of-run summary: each checker, the op counts, the verdict and where the run is. */
export function printOutcome(outcome: RunOutcome): void {
  const r = outcome.results;
  if (r) {
    for (const [name, c] of Object.entries(r.checkers)) {
      process.stdout.write(
        `  ${name.padEnd(20)} ${verdictText(c.valid)}${c.reason ? `  ${c.reason}` : ''}\n`,
      );
    }
    process.stdout.write(
      `ops: ${r.ops.ok} ok, ${r.ops.fail} fail, ${r.ops.info} info; checked in ${(r.checkMs / 1000).toFixed(1)} s\n`,
    );
  }
  if (outcome.interrupted) process.stdout.write(`interrupted: ${outcome.interrupted}\n`);
  process.stdout.write(`verdict: ${verdictText(r ? r.valid : 'unknown')}\nrun: ${outcome.dir}\n`);
}

export function outcomeJson(outcome: RunOutcome, cfg: TestConfig): Record<string, unknown> {
  const r = outcome.results;
  return {
    dir: outcome.dir,
    name: cfg.name,
    valid: r ? r.valid : 'unknown',
    seed: cfg.seed,
    ops: r?.ops,
    checkers: r ? Object.fromEntries(Object.entries(r.checkers).map(([k, v]) => [k, v.valid])) : undefined,
    interrupted: outcome.interrupted,
  };
}

/** The exit code of a run: 0 valid, 1 invalid, 2 unknown; 130 / 143 when a signal cut it short. */
export function exitCodeOf(outcome: RunOutcome): number {
  if (outcome.interrupted && !outcome.results)
    return interruptedBy === 'SIGTERM' ? 143 : interruptedBy ? 130 : 2;
  return outcome.exitCode;
}

/** `jitter check PATH...`: checks history files for linearizability; exit 0 all valid, 1 any invalid, 2 any unknown. */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { intArg } from '../core/cli-util.js';
import { combineVerdicts } from './compose.js';
import { HistoryError } from './errors.js';
import { checkHistory } from './linearizability.js';
import { MODEL_NAMES } from './models/index.js';
import { defaultModel, FORMATS, type Format, readHistoryFile } from './readers/index.js';
import type { Counterexample, Verdict } from './types.js';

/** Extensions picked up when walking a directory (explicit file arguments are always read). */
const HISTORY_EXTENSIONS = new Set(['.log', '.txt', '.edn', '.jsonl']);

interface CheckOptions {
  format: Format | 'auto';
  model?: string;
  initial?: unknown;
  timeout?: number;
  maxSteps?: number;
  json?: boolean;
}

export interface FileVerdict {
  file: string;
  valid: Verdict;
  ops: number;
  ms: number;
  format?: Format;
  model?: string;
  reason?: string;
  error?: string;
  counterexample?: Counterexample;
}

function walk(path: string, out: string[]): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    out.push(path); // reported as unreadable by the reader, with the path
    return;
  }
  if (!st.isDirectory()) {
    out.push(path);
    return;
  }
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith('.')) continue;
    const child = join(path, name);
    if (statSync(child).isDirectory()) walk(child, out);
    else if (HISTORY_EXTENSIONS.has(extname(name).toLowerCase())) out.push(child);
  }
}

export function checkFile(file: string, opts: CheckOptions): FileVerdict {
  const t0 = performance.now();
  try {
    const { history, format } = readHistoryFile(file, opts.format);
    const model = opts.model ?? defaultModel(format, history);
    const r = checkHistory(history, {
      model,
      initial: opts.initial ?? null,
      timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
      maxSteps: opts.maxSteps,
    });
    const v: FileVerdict = {
      file,
      valid: r.valid,
      ops: r.ops,
      ms: round(performance.now() - t0),
      format,
      model,
    };
    if (r.reason) v.reason = r.reason;
    if (r.counterexample) v.counterexample = r.counterexample;
    return v;
  } catch (err) {
    // Bad input is an answer about the file, not a crash: no stack trace, and the verdict is unknown.
    const message = err instanceof HistoryError || err instanceof Error ? err.message : String(err);
    return { file, valid: 'unknown', ops: 0, ms: round(performance.now() - t0), error: message };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function paint(enabled: boolean) {
  const code = (n: number) => (s: string) => (enabled ? `\u001b[${n}m${s}\u001b[0m` : s);
  return { green: code(32), red: code(31), yellow: code(33) };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400 * 366)
    throw new InvalidArgumentError('--timeout must be a positive number of seconds, at most a year.');
  return n;
}

function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`--initial must be JSON (e.g. 0, "a" or null); got ${value}`);
  }
}

/** `write` is where verdicts go (stdout unless a test collects them). */
export function checkCommand(write: (text: string) => void = (t) => void process.stdout.write(t)): Command {
  return (
    new Command('check')
      .description('check histories for linearizability (exit 0: all valid, 1: any invalid, 2: any unknown)')
      .argument('<paths...>', 'history files or directories (walked for .log, .txt, .edn, .jsonl)')
      .addOption(
        new Option('--format <format>', 'history format').choices(['auto', ...FORMATS]).default('auto'),
      )
      .addOption(
        new Option('--model <name>', 'model (default: from the format; jsonl: jitter-kv)').choices(
          MODEL_NAMES,
        ),
      )
      .option('--initial <json>', "a register's initial value, as JSON (default null, as Knossos)", json)
      .option(
        '--max-steps <n>',
        'search steps per key before giving up with unknown (deterministic; default 100000000)',
        intArg('--max-steps', 1, Number.MAX_SAFE_INTEGER),
      )
      .option(
        '--timeout <seconds>',
        'wall-time cap per file, a last resort (makes the verdict machine-dependent); unknown when exceeded',
        seconds,
      )
      .option('--json', 'one JSON object per line per file')
      // A usage error is no verdict: exit 2 ("unknown"), so that 1 keeps meaning "a history is invalid".
      .exitOverride((err) => {
        process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2);
      })
      .action((paths: string[], opts: CheckOptions) => {
        const files: string[] = [];
        for (const p of paths) walk(p, files);
        const colour = paint(!opts.json && process.stdout.isTTY === true && !process.env.NO_COLOR);
        const verdicts: Verdict[] = [];
        const tally = { valid: 0, invalid: 0, unknown: 0 };
        for (const file of files) {
          const v = checkFile(file, opts);
          verdicts.push(v.valid);
          tally[v.valid === true ? 'valid' : v.valid === false ? 'invalid' : 'unknown']++;
          if (opts.json) {
            write(`${JSON.stringify(v)}\n`);
            continue;
          }
          const word =
            v.valid === true
              ? colour.green('valid')
              : v.valid === false
                ? colour.red('INVALID')
                : colour.yellow('unknown');
          const detail = v.error
            ? `error: ${v.error}`
            : `model=${v.model} ops=${v.ops} ms=${v.ms}${v.reason ? ` ${v.reason}` : ''}`;
          write(`${file}\t${word}\t${detail}\n`);
        }
        if (!opts.json) {
          write(
            `${files.length} file(s): ${tally.valid} valid, ${tally.invalid} invalid, ${tally.unknown} unknown\n`,
          );
        }
        const all = combineVerdicts(verdicts);
        process.exitCode = all === true ? 0 : all === false ? 1 : 2;
      })
  );
}

/** `jitter analyze`: re-check a stored run (or a bare history file) with the current checkers, no cluster. */

import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { defaultModel, readHistoryFile, validateJsonlFile } from '../checkers/index.js';
import { readReplicaStateEvents } from '../checkers/replica-state.js';
import { intArg } from '../core/cli-util.js';
import { FILES, type RunResults } from '../core/store.js';
import { getSystem, survivesOf } from '../systems/index.js';
import { analyze, checkInLessMemory, exitCodeFor } from './analyze.js';
import { isRunDir, loadRun } from './run-dir.js';
import { paint } from './terminal.js';

export interface AnalyzeHooks {
  /** Rewrites the run's report after re-checking (reports/). */
  report?: (runDir: string) => Promise<void>;
}

/** The linearizability search's budgets: steps per key (deterministic), and an optional wall-time cap. */
export interface AnalyzeBudget {
  maxSteps?: number;
  timeoutMs?: number;
}

export function analyzePath(
  target: string,
  budget: AnalyzeBudget = {},
): { results: RunResults; runDir: string | null } {
  checkInLessMemory();
  if (fs.statSync(target).isDirectory()) {
    if (!isRunDir(target))
      throw new Error(`${target} is not a run folder (no ${FILES.test}) and not a history file`);
    const run = loadRun(target);
    // Rejected as readHistoryFile would, then streamed to the checkers: memory does not grow with the run.
    validateJsonlFile(run.historyFile);
    // Runs stored before systems were plugins are JIT Paxos runs.
    const system = getSystem(String(run.record.config.system ?? 'jitpaxos'));
    const results = analyze({
      history: run.history,
      dumps: run.dumps,
      replicas: run.record.cluster.replicas,
      model: run.model,
      checkers: run.checkers,
      ...budget,
      replicaEvents: readReplicaStateEvents(path.join(target, FILES.replicasDir)),
      logChecksum: system?.logChecksum,
      survives: survivesOf(system, run.record.cluster.replicas),
    });
    fs.writeFileSync(path.join(target, FILES.results), `${JSON.stringify(results, null, 2)}\n`);
    return { results, runDir: target };
  }
  // A bare history: what can be checked without replica dumps.
  const { history, format } = readHistoryFile(target);
  const results = analyze({
    history,
    dumps: [],
    replicas: [],
    model: defaultModel(format, history),
    checkers: ['linearizability', 'stats'],
    ...budget,
  });
  return { results, runDir: null };
}

export function analyzeCommand(hooks: AnalyzeHooks = {}): Command {
  return new Command('analyze')
    .description(
      're-check a stored run (RUN_DIR) or a bare history file with the current checkers; no cluster',
    )
    .showHelpAfterError('(run with --help for usage)')
    .argument('<path>', 'a run folder (rewrites its results.json and report) or a history file')
    .option(
      '--max-steps <n>',
      'search steps per key for the linearizability search before it says unknown (deterministic: the same verdict on any machine; default 100000000)',
      intArg('--max-steps', 1, Number.MAX_SAFE_INTEGER),
    )
    .option(
      '--timeout <seconds>',
      'wall-time cap for the linearizability search, a last resort (the verdict then depends on the machine); none by default',
      intArg('--timeout', 1, 86_400),
    )
    .option('--json', 'print one JSON object')
    .action(async (target: string, o, cmd: Command) => {
      if (!fs.existsSync(target)) cmd.error(`error: ${target}: no such file or folder`, { exitCode: 2 });
      let out: ReturnType<typeof analyzePath>;
      try {
        out = analyzePath(target, {
          ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
          ...(o.timeout !== undefined ? { timeoutMs: o.timeout * 1000 } : {}),
        });
      } catch (err) {
        cmd.error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
      const { results, runDir } = out!;
      if (runDir && hooks.report) await hooks.report(runDir);
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({
            path: target,
            valid: results.valid,
            ops: results.ops,
            checkers: Object.fromEntries(Object.entries(results.checkers).map(([k, v]) => [k, v.valid])),
          })}\n`,
        );
      } else {
        for (const [name, c] of Object.entries(results.checkers)) {
          process.stdout.write(`  ${name.padEnd(20)} ${String(c.valid)}${c.reason ? `  ${c.reason}` : ''}\n`);
        }
        const v = results.valid;
        const text =
          v === true
            ? paint('green', 'valid')
            : v === false
              ? paint('red', 'INVALID')
              : paint('yellow', 'unknown');
        process.stdout.write(`verdict: ${text}\n`);
      }
      process.exitCode = exitCodeFor(results.valid);
    });
}

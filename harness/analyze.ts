/** Checks a run's history (and replica dumps) with the checkers its workload names: results.json's content. */
import fs from 'node:fs';
import { combineVerdicts, runCheckers } from '../checkers/index.js';
import type { ReplicaStateEvent } from '../checkers/replica-state.js';
import type { ReplicaLogDump } from '../checkers/types.js';
import type { History } from '../core/history.js';
import type { RunResults } from '../core/store.js';

export interface AnalyzeInput {
  history: History;
  dumps: ReplicaLogDump[];
  replicas: string[];
  model: string;
  checkers: readonly string[];
  /** Budget for the linearizability search. */
  timeoutMs?: number;
  /** The replicas' own logs, for the replica-state checker. */
  replicaEvents?: ReplicaStateEvent[];
}

export function analyze(input: AnalyzeInput): RunResults {
  const started = performance.now();
  const results = runCheckers(input.checkers, {
    history: input.history,
    dumps: input.dumps,
    replicas: input.replicas,
    model: input.model,
    timeoutMs: input.timeoutMs ?? 120_000,
    ...(input.replicaEvents ? { replicaEvents: input.replicaEvents } : {}),
  });
  const client = input.history.filter((op) => op.process !== 'nemesis' && op.type !== 'invoke');
  return {
    valid: combineVerdicts(Object.values(results).map((r) => r.valid)),
    checkers: results,
    ops: {
      total: client.length,
      ok: client.filter((o) => o.type === 'ok').length,
      fail: client.filter((o) => o.type === 'fail').length,
      info: client.filter((o) => o.type === 'info').length,
    },
    checkMs: Math.round(performance.now() - started),
  };
}

/** Dumps from dumps.jsonl; a torn last line (a crash mid-write) is skipped. */
export function readDumps(file: string): ReplicaLogDump[] {
  if (!fs.existsSync(file)) return [];
  const out: ReplicaLogDump[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as ReplicaLogDump);
    } catch {
      // Only the last line can be torn; anything else is still worth checking.
    }
  }
  return out;
}

/** 0 valid, 1 invalid, 2 unknown, as Jepsen. */
export function exitCodeFor(valid: RunResults['valid']): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}

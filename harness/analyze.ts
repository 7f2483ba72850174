/** Checks a run's history (and replica dumps) with the checkers its workload names: results.json's content. */
import fs from 'node:fs';
import {
  checkAvailability,
  checkCommitConsistency,
  checkHistory,
  checkStats,
  combineVerdicts,
} from '../checkers/index.js';
import { checkReplicaState, type ReplicaStateEvent } from '../checkers/replica-state.js';
import type { CheckResult, ReplicaLogDump } from '../checkers/types.js';
import type { History } from './history.js';
import type { RunResults } from './store.js';

export interface AnalyzeInput {
  history: History;
  dumps: ReplicaLogDump[];
  replicas: string[];
  model: string;
  checkers: readonly string[];
  /** Budget for the linearizability search. */
  timeoutMs?: number;
  /** The replicas' own logs (replica-state checker): a run that has them is always judged by it. */
  replicaEvents?: ReplicaStateEvent[];
}

export function analyze(input: AnalyzeInput): RunResults {
  const started = performance.now();
  const results: Record<string, CheckResult> = {};
  for (const name of input.checkers) {
    switch (name) {
      case 'linearizability':
        results[name] = checkHistory(input.history, {
          model: input.model,
          timeoutMs: input.timeoutMs ?? 120_000,
        });
        break;
      case 'commit-consistency':
        results[name] = checkCommitConsistency({
          history: input.history,
          dumps: input.dumps,
          replicas: input.replicas,
        });
        break;
      case 'stats':
        results[name] = checkStats(input.history);
        break;
      case 'availability':
        results[name] = checkAvailability(input.history);
        break;
      default:
        results[name] = { checker: name, valid: 'unknown', reason: `no checker named ${name}` };
    }
  }
  if (input.replicaEvents) {
    results['replica-state'] = checkReplicaState({
      events: input.replicaEvents,
      dumps: input.dumps,
      history: input.history,
    });
  }
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

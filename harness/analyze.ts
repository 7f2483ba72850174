/** Checks a run's history (and replica dumps) with the checkers its workload names: results.json's content. */

import type { DumpRecord, StoredDelta } from '../checkers/dump-stream.js';
import {
  checkAvailability,
  checkCommitConsistency,
  checkHistory,
  checkStats,
  combineVerdicts,
} from '../checkers/index.js';
import type { CheckResult } from '../checkers/types.js';
import type { History } from './history.js';
import { jsonLinesOf } from './jsonl-stream.js';
import type { RunResults } from './store.js';

export interface AnalyzeInput {
  history: History;
  /** Whole dumps or dumps.jsonl's records, read once. */
  dumps: Iterable<DumpRecord | StoredDelta>;
  replicas: string[];
  model: string;
  checkers: readonly string[];
  /** Budget for the linearizability search. */
  timeoutMs?: number;
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

/** dumps.jsonl's records (whole dumps and deltas), read lazily each time they are iterated. */
export function readDumps(file: string): Iterable<DumpRecord | StoredDelta> {
  return jsonLinesOf<DumpRecord | StoredDelta>(file);
}

/** 0 valid, 1 invalid, 2 unknown, as Jepsen. */
export function exitCodeFor(valid: RunResults['valid']): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}

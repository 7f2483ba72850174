/** Checks a run's history (and replica dumps) with the checkers its workload names: results.json's content. */
import type { DumpRecord, StoredDelta } from '../checkers/dump-stream.js';
import { combineVerdicts, runCheckers } from '../checkers/index.js';
import type { LogChecksum, ReplicaStateEvent } from '../checkers/replica-state.js';
import type { History } from '../core/history.js';
import type { RunResults } from '../core/store.js';
import { jsonLinesOf } from './jsonl-stream.js';

export interface AnalyzeInput {
  history: History;
  /** Whole dumps or dumps.jsonl's records, read once. */
  dumps: Iterable<DumpRecord | StoredDelta>;
  replicas: string[];
  model: string;
  checkers: readonly string[];
  /** Budget for the linearizability search. */
  timeoutMs?: number;
  /** The replicas' own logs, for the replica-state checker. */
  replicaEvents?: ReplicaStateEvent[];
  /** The system's log prefix checksum, for the replica-state checker. */
  logChecksum?: LogChecksum;
}

export function analyze(input: AnalyzeInput): RunResults {
  const started = performance.now();
  const results = runCheckers(input.checkers, {
    history: input.history,
    dumps: input.dumps,
    replicas: input.replicas,
    model: input.model,
    timeoutMs: input.timeoutMs ?? 120_000,
    replicaEvents: input.replicaEvents,
    logChecksum: input.logChecksum,
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

/** dumps.jsonl's records (whole dumps and deltas), read lazily each time they are iterated. */
export function readDumps(file: string): Iterable<DumpRecord | StoredDelta> {
  return jsonLinesOf<DumpRecord | StoredDelta>(file);
}

/** 0 valid, 1 invalid, 2 unknown, as Jepsen. */
export function exitCodeFor(valid: RunResults['valid']): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}

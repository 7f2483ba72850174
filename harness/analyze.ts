/** Checks a run's history (and replica dumps) with the checkers its workload names: results.json's content. */

import v8 from 'node:v8';
import vm from 'node:vm';
import type { Survives } from '../checkers/disruptions.js';
import type { StoredRecord } from '../checkers/dump-stream.js';
import { combineVerdicts, runCheckers } from '../checkers/index.js';
import type { LogChecksum, ReplicaStateEvent } from '../checkers/replica-state.js';
import type { History, Op } from '../core/history.js';
import type { RunResults } from '../core/store.js';
import { jsonLinesOf } from './jsonl-stream.js';

export interface AnalyzeInput {
  /**
   * The events: an array, or a stream (e.g. history.jsonl read a line at a time, again for each checker
   * that reads it), which is checked in memory that does not grow with its length.
   */
  history: History | Iterable<Op>;
  /** Whole dumps or dumps.jsonl's records, read once. */
  dumps: Iterable<StoredRecord>;
  replicas: string[];
  model: string;
  checkers: readonly string[];
  /** Search steps per key for the linearizability search (deterministic); default the checker's. */
  maxSteps?: number;
  /** Wall-clock cap for the linearizability search, a last resort; none by default. */
  timeoutMs?: number;
  /** The replicas' own logs, for the replica-state checker. */
  replicaEvents?: ReplicaStateEvent[];
  /** The system's log prefix checksum, for the replica-state checker. */
  logChecksum?: LogChecksum;
  /** Whether the system keeps working with these nodes down, for the liveness checkers. */
  survives?: Survives;
}

export function analyze(input: AnalyzeInput): RunResults {
  const started = performance.now();
  const results = runCheckers(
    input.checkers,
    {
      history: input.history,
      dumps: input.dumps,
      replicas: input.replicas,
      model: input.model,
      maxSteps: input.maxSteps,
      timeoutMs: input.timeoutMs,
      replicaEvents: input.replicaEvents,
      logChecksum: input.logChecksum,
      survives: input.survives,
    },
    () => collectGarbage?.(),
  );
  const ops = { total: 0, ok: 0, fail: 0, info: 0 };
  for (const op of input.history) {
    if (op.process === 'nemesis' || op.type === 'invoke') continue;
    ops.total++;
    ops[op.type]++;
  }
  return {
    valid: combineVerdicts(Object.values(results).map((r) => r.valid)),
    checkers: results,
    ops,
    checkMs: Math.round(performance.now() - started),
  };
}

/** A full collection, once checkInLessMemory has asked for it. */
let collectGarbage: (() => void) | undefined;

/**
 * Checking a long run streams big records (a dump of thousands of entries, a key's operations) that live just
 * long enough to reach the old generation, where V8 by default lets garbage grow the heap to several times what
 * is live before collecting it. For the batch work after a run, memory matters more than the few per cent of
 * time that collecting sooner costs: grow the heap by at most a fifth between full collections. Measured on a
 * 30-minute run (202,285 operations): replica-state's peak RSS 302 -> 223 MB, commit consistency 256 -> 207 MB,
 * same time. It stays set for the rest of the process, which is over by then (not for simulation: speed).
 */
export function checkInLessMemory(): void {
  v8.setFlagsFromString('--heap-growing-percent=20');
  // And a full collection between checkers: each one's columns and memo are garbage once it returns, but
  // nothing makes V8 collect them before the next one builds its own. 830,080-operation run: 352-391 ->
  // 329-337 MB peak RSS for `jitter analyze`. A context made after --expose-gc has `gc`.
  v8.setFlagsFromString('--expose-gc');
  collectGarbage = vm.runInNewContext('gc') as (() => void) | undefined;
}

/** dumps.jsonl's records (whole dumps and deltas), read lazily each time they are iterated. */
export function readDumps(file: string): Iterable<StoredRecord> {
  return jsonLinesOf<StoredRecord>(file);
}

/** 0 valid, 1 invalid, 2 unknown, as Jepsen. */
export function exitCodeFor(valid: RunResults['valid']): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}

/** Linearizability of a whole history: pairs operations, splits them by the model's partition, searches each. */
import type { History } from '../core/history.js';
import { getModel } from './models/index.js';
import { pairOperations } from './operations.js';
import { type SearchLimits, type SearchOutcome, searchPartition } from './search.js';
import {
  type AnyModel,
  type Counterexample,
  ILLEGAL,
  type LinearizabilityOptions,
  type LinearizabilityResult,
  type Model,
  type Operation,
  type OpSummary,
  type PartitionResult,
} from './types.js';

/** Memo entries per partition before giving up (about 40 bytes each, in typed arrays). */
export const DEFAULT_MAX_CACHE = 5_000_000;
/**
 * Search steps per partition before giving up with unknown. Generous: every corpus history and every run
 * checked so far needs far fewer; at one to a few million steps a second it is up to minutes of one core.
 */
export const DEFAULT_MAX_STEPS = 100_000_000;

/** How a partition is named in results: null for a model that does not partition, or the one unkeyed part. */
export function partitionLabel(model: AnyModel, key: string): string | null {
  return model.partition && key !== '' ? key : null;
}

/** The model an options object names or is. */
export function modelOf(opts: LinearizabilityOptions): AnyModel {
  return typeof opts.model === 'string' ? getModel(opts.model, opts.initial ?? null) : opts.model;
}

/** Rejects an operation the model does not know, before any search. */
export function assertKnown(model: AnyModel, op: Operation): void {
  if (!model.fs.includes(op.f)) {
    throw new Error(`model ${model.name} does not know operation f="${op.f}" (knows ${model.fs.join(', ')})`);
  }
}

/** The search limits of one partition from the options (deadline already placed in time). */
export function searchLimits(opts: LinearizabilityOptions, deadline: number): SearchLimits {
  return {
    maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS,
    deadline,
    maxCacheEntries: opts.maxCacheEntries ?? DEFAULT_MAX_CACHE,
  };
}

export function summarize(model: AnyModel, op: Operation): OpSummary {
  const s: OpSummary = {
    id: op.id,
    process: op.process,
    status: op.status,
    f: op.f,
    value: op.value,
    result: op.result,
    call: op.call,
    ret: Number.isFinite(op.ret) ? op.ret : null,
    text: model.describeOp(op),
  };
  if (op.key !== undefined) s.key = op.key;
  return s;
}

function counterexample<S>(
  model: Model<S>,
  partition: string | null,
  prefix: Operation[],
  stuck: Operation | null,
  pending: Operation[],
): Counterexample {
  // The states are recomputed from the prefix rather than kept during the search, which stays lean.
  let state = model.init();
  const steps: Counterexample['prefix'] = [];
  for (const op of prefix) {
    const next = model.step(state, op);
    if (next === ILLEGAL) break; // cannot happen: the prefix was linearized by the same model
    state = next;
    steps.push({ op: summarize(model, op), state: model.describeState(state) });
  }
  return {
    partition,
    initialState: model.describeState(model.init()),
    prefix: steps,
    op: stuck ? summarize(model, stuck) : null,
    pending: pending.map((op) => summarize(model, op)),
  };
}

/** Checks a history against a model; synchronous, bounded by opts.maxSteps, opts.maxCacheEntries (and opts.timeoutMs). */
export function checkHistory(history: History, opts: LinearizabilityOptions): LinearizabilityResult {
  const model = modelOf(opts);
  const started = performance.now();
  const deadline = opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : started + opts.timeoutMs;
  const ops = pairOperations(history);
  const parts = new Map<string, Operation[]>();
  for (const op of ops) {
    assertKnown(model, op);
    if (!model.keep(op)) continue;
    const key = model.partition ? model.partition(op) : '';
    const list = parts.get(key);
    if (list) list.push(op);
    else parts.set(key, [op]);
  }
  const limits = searchLimits(opts, deadline);
  // Sorted keys give a stable report order.
  const keys = [...parts.keys()].sort();
  const searches = keys.map((key) => ({
    label: partitionLabel(model, key),
    ops: parts.get(key)!,
    search: searchPartition(model, parts.get(key)!, limits),
    ms: 0,
    out: null as SearchOutcome | null,
  }));
  // Partitions take turns with growing step budgets: one failing partition decides the history, and it
  // should not wait behind a hard but valid one.
  let failing: (typeof searches)[number] | undefined;
  for (let budget = 2_000; !failing && searches.some((s) => !s.out); budget *= 2) {
    for (const s of searches) {
      if (s.out) continue;
      const t0 = performance.now();
      s.out = s.search.run(budget);
      s.ms += performance.now() - t0;
      if (s.out?.valid === false) {
        failing = s;
        break;
      }
    }
  }
  return assemble(model, ops.length, searches, failing);
}

/** One partition's search as `assemble` reports it. */
export interface SearchedPartition {
  label: string | null;
  ops: Operation[] | number;
  ms: number;
  out: SearchOutcome | null;
}

/**
 * The result from the partitions' outcomes: the failing one's counterexample, or the first unknown one's
 * reason. Partitions left undecided (out null) once another failed are not reported: their verdict would not
 * matter.
 */
export function assemble(
  model: AnyModel,
  total: number,
  searches: Iterable<SearchedPartition>,
  failing: SearchedPartition | undefined,
): LinearizabilityResult {
  const partitions: PartitionResult[] = [];
  let failed: Counterexample | undefined;
  let unknownReason: string | undefined;
  for (const s of searches) {
    if (!s.out) continue;
    const out = s.out;
    const pr: PartitionResult = {
      partition: s.label,
      valid: out.valid,
      ops: typeof s.ops === 'number' ? s.ops : s.ops.length,
      steps: out.steps,
      cacheEntries: out.cacheEntries,
      ms: s.ms,
    };
    if (out.reason) pr.reason = out.reason;
    if (out.valid === false && s === failing) {
      pr.counterexample = counterexample(
        model,
        s.label,
        out.prefix ?? [],
        out.stuck ?? null,
        out.pending ?? [],
      );
      failed = pr.counterexample;
    }
    if (out.valid === 'unknown')
      unknownReason ??= `${s.label === null ? '' : `partition ${s.label}: `}${out.reason}`;
    partitions.push(pr);
  }
  const result: LinearizabilityResult = {
    checker: 'linearizability',
    model: model.name,
    valid: failed ? false : unknownReason ? 'unknown' : true,
    ops: total,
    partitions,
  };
  if (failed) {
    result.counterexample = failed;
    const where = failed.partition === null ? '' : ` (key ${failed.partition})`;
    result.reason = failed.op
      ? `${failed.op.text} by process ${String(failed.op.process)} cannot be linearized after ${failed.prefix.length} operations${where}`
      : `no linearization${where}`;
  } else if (unknownReason) {
    result.reason = unknownReason;
  }
  return result;
}

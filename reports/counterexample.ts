/**
 * The linearizability counterexample, made ready for a Porcupine-like view: operations on a time axis with
 * the state before and after each linearized step.
 */
import type { Counterexample, LinearizabilityResult, OpSummary } from '../checkers/types.js';
import type { OpCollector } from './ops.js';
import type { CounterexampleView, CxOp } from './types.js';

/** Linearized steps shown; a longer prefix is cut to its tail, which is where the failure is. */
export const MAX_STEPS = 200;
/** Other operations of the partition drawn around the steps. */
export const MAX_CONTEXT = 400;

/** Time (ms) of the history event at this index, or null if the history does not have it. */
export type TimeLookup = (index: number) => number | null;

function cxOp(s: OpSummary, time: TimeLookup): CxOp {
  return {
    id: s.id,
    process: String(s.process),
    f: s.f,
    status: s.status,
    text: s.text,
    call: time(s.call) ?? 0,
    ret: s.ret === null ? null : time(s.ret),
  };
}

export function counterexampleView(
  result: Partial<LinearizabilityResult> | undefined,
  time: TimeLookup,
  ops: OpCollector,
  endMs: number,
): CounterexampleView | null {
  const cx = result?.counterexample as Counterexample | undefined;
  if (result?.valid !== false || !cx || !Array.isArray(cx.prefix)) return null;
  const omitted = Math.max(0, cx.prefix.length - MAX_STEPS);
  const steps: CounterexampleView['steps'] = [];
  for (let i = omitted; i < cx.prefix.length; i++) {
    const step = cx.prefix[i]!;
    steps.push({
      n: i + 1,
      op: cxOp(step.op, time),
      before: i === 0 ? cx.initialState : cx.prefix[i - 1]!.state,
      after: step.state,
    });
  }
  const failing = cx.op ? cxOp(cx.op, time) : null;
  const pending = (cx.pending ?? []).map((p) => cxOp(p, time));
  const shown = [...steps.map((s) => s.op), ...(failing ? [failing] : []), ...pending];
  const from = Math.min(...shown.map((o) => o.call));
  const to = Math.max(...shown.map((o) => o.ret ?? o.call));
  const namedCalls = new Set<number>([
    ...cx.prefix.map((p) => p.op.call),
    ...(cx.op ? [cx.op.call] : []),
    ...(cx.pending ?? []).map((p) => p.call),
  ]);
  const context = contextOps(ops, cx.partition, namedCalls, from, to, endMs);
  return {
    partition: cx.partition,
    model: String(result.model ?? ''),
    reason: String(result.reason ?? ''),
    initialState: cx.initialState,
    steps,
    omitted,
    failing,
    failingBefore: cx.prefix.length > 0 ? cx.prefix[cx.prefix.length - 1]!.state : cx.initialState,
    pending,
    context,
    failedPartitions: (result.partitions ?? [])
      .filter((p) => p.valid === false)
      .map((p) => ({ partition: p.partition, reason: p.reason ?? '' })),
  };
}

/** Operations of the partition overlapping [from, to] that the counterexample does not name (by history index). */
function contextOps(
  ops: OpCollector,
  partition: string | null,
  namedCalls: Set<number>,
  from: number,
  to: number,
  endMs: number,
): CxOp[] {
  if (!Number.isFinite(from)) return [];
  const out: CxOp[] = [];
  const c = ops.cols;
  const values = ops.values.list;
  for (let i = 0; i < ops.count && out.length < MAX_CONTEXT; i++) {
    const call = ops.start(i) / 1000;
    if (call > to) break;
    const lat = c.latUs[i]!;
    const ret = lat < 0 ? null : call + lat / 1000;
    if ((ret ?? endMs) < from) continue;
    const key = c.key[i]! < 0 ? '' : ops.keys.list[c.key[i]!]!;
    if (partition !== null && key !== partition) continue;
    if (namedCalls.has(c.index[i]!)) continue;
    const f = ops.fs.list[c.f[i]!]!;
    const arg = c.arg[i]! < 0 ? '' : ` ${values[c.arg[i]!]}`;
    const res = c.res[i]! < 0 ? '' : ` -> ${values[c.res[i]!]}`;
    const status = ['ok', 'fail', 'info', 'info'][c.type[i]!]!;
    out.push({
      id: c.index[i]!,
      process: ops.processes.list[c.proc[i]!]!,
      f,
      status,
      text: `${f}${key ? ` ${key}` : ''}${arg}${res} (${status})`,
      call,
      ret,
    });
  }
  return out;
}

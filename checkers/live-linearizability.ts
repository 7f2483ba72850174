/**
 * Linearizability judged as a run goes (`jitter test --check-every`), incrementally: the history so far is
 * kept split by key (the model's partition), and each check searches only the keys whose sub-history gained
 * a definite completion (ok or fail) since the last check. That is sound: a key's verdict depends on its own
 * operations only (P-compositionality), an unchanged sub-history keeps its verdict, and one that only gained
 * invocations or info completions gained operations of unknown outcome, which any linearization can place
 * last, so a key that passed still passes. Operations still open count as indeterminate, so a prefix of a
 * valid history always passes.
 */
import type { Op, ProcessId } from '../core/history.js';
import { checkHistory, modelOf } from './linearizability.js';
import type { LiveChecker, LiveCheckOptions } from './registry.js';
import type { Operation } from './types.js';

/** Steps per key of one live check: it runs on the run's event loop, so less than an analysis allows. */
export const LIVE_MAX_STEPS = 20_000_000;

export function liveLinearizability(o: LiveCheckOptions): LiveChecker {
  const model = modelOf({ model: o.model });
  // The partition an invocation belongs to, from what the invocation says (every model's partition is a
  // function of the operation's key); a model without partitions is one part.
  const partOf = (ev: Op): string => {
    if (!model.partition) return '';
    const op: Operation = {
      id: 0,
      process: ev.process,
      f: ev.f,
      value: ev.value,
      result: undefined,
      status: 'info',
      call: 0,
      ret: Number.POSITIVE_INFINITY,
    };
    if (ev.key !== undefined) op.key = ev.key;
    return model.partition(op);
  };
  const parts = new Map<string, Op[]>();
  const openIn = new Map<ProcessId, string>();
  const dirty = new Set<string>();
  let found: string | null = null;
  const budget = { maxSteps: o.maxSteps ?? LIVE_MAX_STEPS, timeoutMs: o.timeoutMs };
  return {
    op: (ev) => {
      if (ev.process === 'nemesis') return;
      let key: string;
      if (ev.type === 'invoke') {
        key = partOf(ev);
        openIn.set(ev.process, key);
      } else {
        // A completion belongs where its invocation went (pairing is by process).
        key = openIn.get(ev.process) ?? partOf(ev);
        openIn.delete(ev.process);
        if (ev.type !== 'info') dirty.add(key);
      }
      const list = parts.get(key);
      if (list) list.push(ev);
      else parts.set(key, [ev]);
    },
    dump: () => {},
    anomaly: () => {
      if (found) return found;
      for (const key of [...dirty].sort()) {
        dirty.delete(key);
        const r = checkHistory(parts.get(key)!, { model, ...budget });
        if (r.valid === false) {
          found = r.reason ?? 'not linearizable';
          return found;
        }
      }
      return null;
    },
  };
}

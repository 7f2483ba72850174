/**
 * Synthetic jitter-kv histories that are linearizable by construction: a simulated store applies each
 * operation at a random moment between its invocation and its completion. Seeded, so runs are comparable.
 */
import type { History, Op } from '../../core/history.js';

export interface SyntheticOptions {
  ops: number;
  keys: number;
  processes: number;
  seed?: number;
  /** Share of writes / cas that end as info (outcome unknown; applied or not at random). */
  infoRate?: number;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

interface Pending {
  process: number;
  f: 'read' | 'write' | 'cas';
  key: string;
  value: unknown;
  applied: boolean;
  result: unknown;
  failed: boolean;
  info: boolean;
}

export function syntheticJitterKv(opts: SyntheticOptions): History {
  const rand = rng(opts.seed ?? 42);
  const infoRate = opts.infoRate ?? 0.002;
  const store = new Map<string, string | null>();
  const history: History = [];
  const slots: Array<Pending | null> = Array.from({ length: opts.processes }, () => null);
  const procIds = slots.map((_, i) => i);
  let invoked = 0;
  let counter = 0;
  const emit = (op: Omit<Op, 'index' | 'time'>) =>
    history.push({ index: history.length, time: history.length * 1000, ...op });
  const apply = (p: Pending) => {
    p.applied = true;
    const cur = store.get(p.key) ?? null;
    if (p.f === 'read') p.result = cur;
    else if (p.f === 'write') store.set(p.key, p.value as string);
    else {
      const [expected, next] = p.value as [string | null, string];
      if (cur === expected) store.set(p.key, next);
      else p.failed = true;
    }
  };
  while (invoked < opts.ops || slots.some((s) => s !== null)) {
    const i = Math.floor(rand() * opts.processes);
    const p = slots[i];
    if (p === null || p === undefined) {
      if (invoked >= opts.ops) continue;
      const key = `k${Math.floor(rand() * opts.keys)}`;
      const r = rand();
      const f = r < 0.5 ? 'read' : r < 0.8 ? 'write' : 'cas';
      const cur = store.get(key) ?? null;
      // cas usually expects the current value, so that some succeed.
      const value =
        f === 'read'
          ? null
          : f === 'write'
            ? `v${counter++}`
            : [rand() < 0.7 ? cur : `v${Math.floor(rand() * counter)}`, `v${counter++}`];
      const pending: Pending = {
        process: procIds[i]!,
        f,
        key,
        value,
        applied: false,
        result: null,
        failed: false,
        info: false,
      };
      slots[i] = pending;
      invoked++;
      emit({ type: 'invoke', process: pending.process, f, key, value });
      continue;
    }
    if (!p.applied && rand() < 0.5) {
      apply(p);
      continue;
    }
    // Complete it. An unknown outcome may or may not have been applied.
    if (p.f !== 'read' && rand() < infoRate) {
      if (!p.applied && rand() < 0.5) apply(p);
      emit({ type: 'info', process: p.process, f: p.f, key: p.key, value: p.value, error: 'timeout' });
      procIds[i] = procIds[i]! + opts.processes; // Jepsen gives the client a fresh process after :info
    } else {
      if (!p.applied) apply(p);
      const type = p.failed ? 'fail' : 'ok';
      emit({ type, process: p.process, f: p.f, key: p.key, value: p.f === 'read' ? p.result : p.value });
    }
    slots[i] = null;
  }
  return history;
}

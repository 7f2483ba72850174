/** Many independent keys: more throughput, and each key's history checked on its own (P-compositionality). */
import { stagger } from '../core/generator.js';
import { registerOps } from './ops.js';
import type { Workload, WorkloadOptions } from './types.js';

export function kvWorkload(o: WorkloadOptions = {}): Workload {
  const keys = Array.from({ length: o.keys ?? 8 }, (_, i) => `k${i}`);
  return {
    name: 'kv',
    description: `read / write / cas on ${keys.length} independent keys, values 0-4`,
    generator: () =>
      stagger(
        o.staggerMs ?? 10,
        registerOps((rng) => rng.pick(keys)),
      ),
    keys,
    model: 'jitter-kv',
    checkers: ['linearizability', 'stats', 'availability'],
  };
}

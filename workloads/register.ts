/** One register (a single key): every operation contends, which is where consensus bugs show. */
import { stagger } from '../core/generator.js';
import { registerOps } from './ops.js';
import type { Workload, WorkloadOptions } from './types.js';

export function registerWorkload(o: WorkloadOptions = {}): Workload {
  const key = 'x';
  return {
    name: 'register',
    description: 'read / write / cas on one key, values 0-4',
    generator: () =>
      stagger(
        o.staggerMs ?? 10,
        registerOps(() => key),
      ),
    keys: [key],
    model: 'jitter-kv',
    checkers: ['linearizability', 'stats', 'availability'],
  };
}

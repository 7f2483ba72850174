/** Read / write / compare-and-set on one key over a small value domain, as in Jepsen's register tests. */
import type { ClientOp } from '../core/db.js';
import { fn, type Generator, mix } from '../core/generator.js';
import type { Rng } from '../core/rng.js';

/** Few values make compare-and-sets succeed often, and make lost or stale values visible. */
const VALUES = 5;
const value = (rng: Rng): string => String(rng.int(VALUES));

export function registerOps(pickKey: (rng: Rng) => string): Generator {
  return mix(
    fn((rng): ClientOp => ({ f: 'read', key: pickKey(rng), value: null })),
    fn((rng): ClientOp => ({ f: 'write', key: pickKey(rng), value: value(rng) })),
    fn((rng): ClientOp => ({ f: 'cas', key: pickKey(rng), value: [value(rng), value(rng)] })),
  );
}

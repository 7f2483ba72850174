/**
 * Slicing: data cut into small pieces with a delay between them (Toxiproxy's `slicer`), so frames arrive
 * in fragments and late; the framing layer must reassemble them.
 */
import type { Rng } from '../harness/rng.js';
import { ToxicFault } from './toxic.js';

export class SliceFault extends ToxicFault {
  readonly name = 'slice';
  protected readonly toxicType = 'slicer' as const;

  /** average_size and size_variation in bytes, delay in microseconds between slices. */
  protected planAttributes(rng: Rng): Record<string, number> {
    const average = rng.pick([1, 8, 32]);
    return {
      average_size: average,
      size_variation: Math.floor(average / 2),
      delay: rng.pick([10, 100, 1000]),
    };
  }
}

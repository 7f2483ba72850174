/**
 * Slicing: data cut into small pieces with a delay between them (Toxiproxy's `slicer`), so frames arrive
 * in fragments and late; the framing layer must reassemble them.
 */
import type { Rng } from '../core/rng.js';
import { toxicParams } from './params-schema.js';
import { ToxicFault } from './toxic.js';

export class SliceFault extends ToxicFault {
  readonly name = 'slice';
  readonly params = toxicParams(['average_size', 'size_variation', 'delay']);
  protected readonly toxicType = 'slicer' as const;

  /**
   * average_size and size_variation in bytes, delay in microseconds between slices. Each pair costs at most
   * about 4 s per MB: a view change or a repair carries a whole log (megabytes), and 1-byte slices 1 ms apart
   * (1 KB/s) held such a message for many minutes and kept the proxy's CPU busy with one-byte writes.
   */
  protected planAttributes(rng: Rng): Record<string, number> {
    const [average, delay] = rng.pick([
      [8, 10],
      [32, 100],
      [256, 1000],
    ] as const);
    return { average_size: average, size_variation: Math.floor(average / 2), delay };
  }
}

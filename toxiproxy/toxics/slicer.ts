/**
 * slicer: split each chunk into pieces of about `average_size` ± `size_variation` bytes, `delay` µs apart.
 * Upstream recurses without end (and crashes) when average_size < 1 or size_variation < 0; here those act as
 * 1 and 0.
 */
import { intn } from '../random.js';
import type { Attributes } from '../toxic.js';
import { registerToxic } from './registry.js';
import { ScheduledStage } from './scheduled.js';

class SlicerStage extends ScheduledStage {
  write(chunk: Buffer): void {
    const cuts = this.cuts(0, chunk.length);
    const gap = Math.max(0, this.attrs.delay ?? 0) / 1000;
    let at = Math.max(this.now(), this.lastAt);
    for (let i = 1; i < cuts.length; i++) {
      this.enqueue(at, chunk.subarray(cuts[i - 1], cuts[i]));
      at += gap;
    }
    this.lastAt = at;
  }
  end(terminate: boolean): void {
    this.endAfterHeld(terminate);
  }
  /** Upstream sends the rest of the chunk it was slicing in one piece. */
  override interrupt(attrs: Attributes): void {
    super.interrupt(attrs);
    this.releaseAll();
  }
  /** Halve recursively with a random offset, so pieces vary evenly along the chunk. */
  private cuts(start: number, end: number): number[] {
    const avg = Math.max(1, this.attrs.average_size ?? 1);
    const variation = Math.max(0, Math.min(this.attrs.size_variation ?? 0, avg - 1));
    const out = [start];
    const stack: [number, number][] = [[start, end]];
    // Iterative version of the recursion (left-first), collecting the cut points.
    while (stack.length > 0) {
      const [s, e] = stack.pop()!;
      if (e - s - avg <= variation || e - s <= 1) {
        out.push(e);
        continue;
      }
      const offset = variation > 0 ? intn(this.host.rand, variation * 2) - variation : 0;
      const mid = Math.min(e - 1, Math.max(s + 1, s + Math.floor((e - s) / 2) + offset));
      stack.push([mid, e], [s, mid]);
    }
    return out;
  }
}

export const slicer = registerToxic({
  type: 'slicer',
  attributes: { average_size: 0, size_variation: 0, delay: 0 }, // bytes, bytes, microseconds
  create: (host, attrs, next) => new SlicerStage(host, attrs, next),
});

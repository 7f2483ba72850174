/**
 * bandwidth: at most `rate` KB/s (1 KB = 1000 bytes, as upstream computes it); large chunks go out in 100 ms
 * slices. A rate of 0 or less holds everything, as upstream effectively does.
 */
import type { Attributes } from '../toxic.js';
import { registerToxic } from './registry.js';
import { ScheduledStage } from './scheduled.js';

class BandwidthStage extends ScheduledStage {
  write(chunk: Buffer): void {
    const rate = this.attrs.rate ?? 0; // bytes per millisecond
    if (rate <= 0) {
      this.enqueue(Number.POSITIVE_INFINITY, chunk);
      return;
    }
    const slice = rate * 100;
    for (let off = 0; off < chunk.length; off += slice) {
      const piece = chunk.subarray(off, off + slice);
      this.enqueue(Math.max(this.now(), this.lastAt) + piece.length / rate, piece);
    }
  }
  end(terminate: boolean): void {
    this.endAfterHeld(terminate);
  }
  /** Upstream writes out what it holds and starts its rate accounting afresh. */
  override interrupt(attrs: Attributes): void {
    super.interrupt(attrs);
    this.releaseAll();
  }
}

export const bandwidth = registerToxic({
  type: 'bandwidth',
  attributes: { rate: 0 },
  create: (host, attrs, next) => new BandwidthStage(host, attrs, next),
});

/** latency: each chunk is delayed by `latency` ± `jitter` ms after it arrives. */
import { intn } from '../random.js';
import type { Attributes } from '../toxic.js';
import { registerToxic } from './registry.js';
import { ScheduledStage } from './scheduled.js';

class LatencyStage extends ScheduledStage {
  private delay(): number {
    const jitter = this.attrs.jitter ?? 0;
    return (this.attrs.latency ?? 0) + (jitter > 0 ? intn(this.host.rand, 2 * jitter) - jitter : 0);
  }
  write(chunk: Buffer): void {
    const delay = this.delay();
    if (delay <= 0 && !this.pending()) {
      this.next.write(chunk);
      return;
    }
    this.enqueue(this.now() + delay, chunk);
  }
  end(terminate: boolean): void {
    this.endAfterHeld(terminate);
  }
  /** Upstream sends the chunk it was sleeping on at once; the rest wait out the new delay from their arrival. */
  override interrupt(attrs: Attributes): void {
    super.interrupt(attrs);
    this.releaseHead();
    this.retime((arrival, isEnd) => (isEnd ? 0 : arrival + this.delay()));
  }
}

export const latency = registerToxic({
  type: 'latency',
  attributes: { latency: 0, jitter: 0 }, // milliseconds
  create: (host, attrs, next) => new LatencyStage(host, attrs, next),
});

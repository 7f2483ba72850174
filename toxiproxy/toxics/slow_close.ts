/** slow_close: data flows; the close is delayed by `delay` ms. */
import type { Attributes } from '../toxic.js';
import { registerToxic } from './registry.js';
import { ScheduledStage } from './scheduled.js';

class SlowCloseStage extends ScheduledStage {
  write(chunk: Buffer): void {
    if (!this.pending()) {
      this.next.write(chunk);
      return;
    }
    this.enqueue(this.lastAt, chunk);
  }
  end(terminate: boolean): void {
    this.enqueue(this.now() + (this.attrs.delay ?? 0), null, terminate);
  }
  /** Upstream restarts the toxic, so a pending close waits the (new) delay again from now. */
  override interrupt(attrs: Attributes): void {
    super.interrupt(attrs);
    this.retime((_arrival, isEnd) => (isEnd ? this.now() + (this.attrs.delay ?? 0) : 0));
  }
}

export const slowClose = registerToxic({
  type: 'slow_close',
  attributes: { delay: 0 }, // milliseconds
  create: (host, attrs, next) => new SlowCloseStage(host, attrs, next),
});

/**
 * timeout: drop all data; after `timeout` ms (if > 0) close the connection. Removing the toxic closes the
 * connections it sat on, as upstream does: a silent partition heals into fresh connections.
 */
import { type Attributes, type Sink, Stage, type StageHost } from '../toxic.js';
import { registerToxic } from './registry.js';

class TimeoutStage extends Stage {
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  constructor(host: StageHost, attrs: Attributes, next: Sink) {
    super(host, attrs, next);
    this.arm();
  }
  private arm(): void {
    this.dispose();
    const ms = this.attrs.timeout ?? 0;
    if (ms > 0) this.timer = setTimeout(() => this.end(true), ms);
  }
  write(_chunk: Buffer): void {}
  end(terminate: boolean): void {
    if (this.done) return;
    this.done = true;
    this.dispose();
    this.next.end(terminate);
  }
  /** Upstream restarts the toxic, so the clock starts again. */
  override interrupt(attrs: Attributes): void {
    super.interrupt(attrs);
    if (!this.done) this.arm();
  }
  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export const timeout = registerToxic({
  type: 'timeout',
  attributes: { timeout: 0 }, // milliseconds; 0 (or less) = hold forever
  create: (host, attrs, next) => new TimeoutStage(host, attrs, next),
  closesOnRemove: true,
});

/** reset_peer: on the first data (or EOF), wait `timeout` ms, then reset both sides (RST). */
import { Stage } from '../toxic.js';
import { registerToxic } from './registry.js';

class ResetPeerStage extends Stage {
  private timer: NodeJS.Timeout | undefined;
  write(_chunk: Buffer): void {
    this.trigger();
  }
  end(_terminate: boolean): void {
    this.trigger();
  }
  // Once armed, upstream cannot be interrupted until the reset: an update leaves the timer as it is.
  private trigger(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.host.reset(), Math.max(0, this.attrs.timeout ?? 0));
  }
  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export const resetPeer = registerToxic({
  type: 'reset_peer',
  attributes: { timeout: 0 }, // milliseconds after the first data
  create: (host, attrs, next) => new ResetPeerStage(host, attrs, next),
});

/** limit_data: pass `bytes` bytes in total on this connection and direction, then close the connection. */
import { Stage } from '../toxic.js';
import { registerToxic } from './registry.js';

class LimitDataStage extends Stage {
  /** Kept across interrupts, as upstream keeps it in the stub's state. */
  private sent = 0;
  private done = false;
  write(chunk: Buffer): void {
    if (this.done) return;
    const remaining = (this.attrs.bytes ?? 0) - this.sent;
    const piece = remaining < chunk.length ? chunk.subarray(0, Math.max(0, remaining)) : chunk;
    if (piece.length > 0) {
      this.sent += piece.length;
      this.next.write(piece);
    }
    if (this.sent >= (this.attrs.bytes ?? 0)) this.end(true);
  }
  end(terminate: boolean): void {
    if (this.done) return;
    this.done = true;
    this.next.end(terminate);
  }
}

export const limitData = registerToxic({
  type: 'limit_data',
  attributes: { bytes: 0 },
  create: (host, attrs, next) => new LimitDataStage(host, attrs, next),
});

/** Shared by the toxics that hold data for a while: items released at scheduled (monotonic) times, in order. */
import { performance } from 'node:perf_hooks';
import { Stage } from '../toxic.js';

interface Item {
  at: number;
  /** When the item reached this stage: latency re-times held data from here after an interrupt. */
  arrival: number;
  chunk: Buffer | null;
  terminate: boolean;
}

/** One timer per stage; items never overtake each other, so order on the wire is kept. */
export abstract class ScheduledStage extends Stage {
  private queue: Item[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  protected lastAt = 0;

  protected now(): number {
    return performance.now();
  }

  protected enqueue(at: number, chunk: Buffer | null, terminate = false): void {
    const when = Math.max(at, this.lastAt);
    this.lastAt = when;
    if (chunk) this.host.hold(chunk.length);
    this.queue.push({ at: when, arrival: this.now(), chunk, terminate });
    if (this.queue.length - this.head === 1) this.arm();
  }

  protected pending(): boolean {
    return this.queue.length > this.head;
  }

  /** End after whatever is held, or at once if nothing is. */
  protected endAfterHeld(terminate: boolean): void {
    if (this.pending()) this.enqueue(this.lastAt, null, terminate);
    else this.next.end(terminate);
  }

  private arm(): void {
    const item = this.queue[this.head];
    if (!item || this.timer || item.at === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, item.at - this.now()));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.now();
    // Allow 0.5 ms early: setTimeout rounds to whole milliseconds.
    while (this.head < this.queue.length && this.queue[this.head]!.at <= now + 0.5) this.emit();
    this.compact();
    this.arm();
  }

  private emit(): void {
    const item = this.queue[this.head++]!;
    if (item.chunk) {
      this.host.release(item.chunk.length);
      this.next.write(item.chunk);
    } else {
      this.next.end(item.terminate);
    }
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Release the first held item now (what upstream's goroutine was waiting on when interrupted). */
  protected releaseHead(): void {
    if (!this.pending()) return;
    this.disarm();
    this.emit();
    this.compact();
  }

  /** Give every held item a new release time (kept in order), e.g. after new attributes. */
  protected retime(at: (arrival: number, isEnd: boolean) => number): void {
    this.disarm();
    this.lastAt = 0;
    for (let i = this.head; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      item.at = Math.max(at(item.arrival, item.chunk === null), this.lastAt);
      this.lastAt = item.at;
    }
    this.fire();
  }

  /** Release everything held now. */
  protected releaseAll(): void {
    this.disarm();
    while (this.head < this.queue.length) this.emit();
    this.compact();
    this.lastAt = 0;
  }

  override flush(): void {
    this.releaseAll();
  }

  override dispose(): void {
    this.disarm();
  }
}

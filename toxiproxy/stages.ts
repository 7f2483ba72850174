/**
 * The data path of one direction of one connection: a chain of toxic stages ending in a socket sink.
 * Chunks are Buffers passed by reference (slices are views, never copies).
 */
import { performance } from 'node:perf_hooks';
import { intn } from './random.js';
import type { Attributes, ToxicType } from './toxic-spec.js';

export interface Sink {
  write(chunk: Buffer): void;
  /** End of stream. `terminate` means a toxic cut the connection, so the whole connection closes once flushed. */
  end(terminate: boolean): void;
}

/** What a stage may ask of the link it sits on. */
export interface StageHost {
  /** Bytes held inside stages; the link pauses its source above a limit (stages themselves never block). */
  hold(bytes: number): void;
  release(bytes: number): void;
  /** Reset both sockets (RST) at once. */
  reset(): void;
  /** Random generator private to this stage on this connection (seeded, so runs reproduce). */
  rand: () => number;
}

export abstract class Stage implements Sink {
  next: Sink;
  constructor(
    protected readonly host: StageHost,
    protected attrs: Attributes,
    next: Sink,
  ) {
    this.next = next;
  }
  abstract write(chunk: Buffer): void;
  abstract end(terminate: boolean): void;
  update(attrs: Attributes): void {
    this.attrs = attrs;
  }
  attrsOf(): Attributes {
    return this.attrs;
  }
  /** The toxic is being removed: hand everything held to `next` now (upstream does not drop data either). */
  flush(): void {}
  /** Stop timers; the connection is gone. */
  dispose(): void {}
}

type Item = { at: number; chunk: Buffer | null; terminate: boolean };

/** A stage that releases items at scheduled (monotonic) times, in order, with one timer. */
abstract class ScheduledStage extends Stage {
  private queue: Item[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  protected lastAt = 0;

  protected now(): number {
    return performance.now();
  }

  protected enqueue(at: number, chunk: Buffer | null, terminate = false): void {
    // Never release before an earlier item: order on the wire is preserved.
    const when = Math.max(at, this.lastAt);
    this.lastAt = when;
    if (chunk) this.host.hold(chunk.length);
    this.queue.push({ at: when, chunk, terminate });
    if (this.queue.length - this.head === 1) this.arm();
  }

  protected pending(): boolean {
    return this.queue.length > this.head;
  }

  private arm(): void {
    const item = this.queue[this.head];
    if (!item || this.timer || item.at === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, item.at - this.now()));
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

  override flush(): void {
    this.dispose();
    while (this.head < this.queue.length) this.emit();
    this.compact();
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** latency: each chunk is delayed by latency ± jitter ms after it arrives. */
class LatencyStage extends ScheduledStage {
  write(chunk: Buffer): void {
    const jitter = this.attrs.jitter ?? 0;
    const delay = (this.attrs.latency ?? 0) + (jitter > 0 ? intn(this.host.rand, 2 * jitter) - jitter : 0);
    if (delay <= 0 && !this.pending()) {
      this.next.write(chunk);
      return;
    }
    this.enqueue(this.now() + delay, chunk);
  }
  end(terminate: boolean): void {
    if (!this.pending()) {
      this.next.end(terminate);
      return;
    }
    this.enqueue(this.lastAt, null, terminate);
  }
}

/** bandwidth: at most `rate` KB/s; large chunks go out in 100 ms slices. rate 0 holds everything (as upstream). */
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
    if (!this.pending()) {
      this.next.end(terminate);
      return;
    }
    this.enqueue(this.lastAt, null, terminate);
  }
}

/** slow_close: data flows; the close is delayed by `delay` ms. */
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
}

/** slicer: split each chunk into pieces of about average_size ± size_variation bytes, `delay` µs apart. */
class SlicerStage extends ScheduledStage {
  write(chunk: Buffer): void {
    const cuts = this.cuts(0, chunk.length);
    const gap = (this.attrs.delay ?? 0) / 1000;
    let at = Math.max(this.now(), this.lastAt);
    for (let i = 1; i < cuts.length; i++) {
      this.enqueue(at, chunk.subarray(cuts[i - 1], cuts[i]));
      at += gap;
    }
    this.lastAt = at;
  }
  end(terminate: boolean): void {
    if (!this.pending()) {
      this.next.end(terminate);
      return;
    }
    this.enqueue(this.lastAt, null, terminate);
  }
  /** Halve recursively with a random offset, so pieces vary evenly along the chunk. */
  private cuts(start: number, end: number): number[] {
    const avg = this.attrs.average_size ?? 1;
    const variation = Math.min(this.attrs.size_variation ?? 0, avg - 1);
    const out = [start];
    const stack: [number, number][] = [[start, end]];
    const bounds: number[] = [];
    // Iterative version of the recursion (left-first), collecting the inner cut points.
    while (stack.length > 0) {
      const [s, e] = stack.pop()!;
      if (e - s - avg <= variation || e - s <= 1) {
        bounds.push(e);
        continue;
      }
      const offset = variation > 0 ? intn(this.host.rand, variation * 2) - variation : 0;
      const mid = Math.min(e - 1, Math.max(s + 1, s + Math.floor((e - s) / 2) + offset));
      stack.push([mid, e], [s, mid]);
    }
    out.push(...bounds);
    return out;
  }
}

/** timeout: drop all data; after `timeout` ms (if > 0) close the connection. */
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
  override update(attrs: Attributes): void {
    super.update(attrs);
    // Upstream restarts the toxic on update, so the clock starts again.
    if (!this.done) this.arm();
  }
  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** reset_peer: on the first data (or EOF), wait `timeout` ms, then reset both sides (RST). */
class ResetPeerStage extends Stage {
  private timer: NodeJS.Timeout | undefined;
  private armed = false;
  write(_chunk: Buffer): void {
    this.trigger();
  }
  end(_terminate: boolean): void {
    this.trigger();
  }
  private trigger(): void {
    if (this.armed) return;
    this.armed = true;
    this.timer = setTimeout(() => this.host.reset(), this.attrs.timeout ?? 0);
  }
  override update(attrs: Attributes): void {
    super.update(attrs);
    this.dispose();
    this.armed = false;
  }
  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** limit_data: pass `bytes` bytes in total on this connection and direction, then close the connection. */
class LimitDataStage extends Stage {
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

const STAGES: Record<ToxicType, new (host: StageHost, attrs: Attributes, next: Sink) => Stage> = {
  latency: LatencyStage,
  bandwidth: BandwidthStage,
  slow_close: SlowCloseStage,
  slicer: SlicerStage,
  timeout: TimeoutStage,
  reset_peer: ResetPeerStage,
  limit_data: LimitDataStage,
};

export function createStage(type: ToxicType, host: StageHost, attrs: Attributes, next: Sink): Stage {
  return new STAGES[type](host, attrs, next);
}

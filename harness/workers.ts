/**
 * Client processes. Each worker slot runs one operation at a time from the generator; all operations go
 * through one p-queue (concurrency, and an ops/s cap). An operation that ends indeterminate retires its
 * process: the slot continues as a fresh process with a fresh client (Jepsen's rule), so an operation in
 * doubt never overlaps the same process's next one.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { ClientOp, ClientOutcome, DbClient } from '../core/db.js';
import type { GenContext, Generator } from '../core/generator.js';
import type { Rng } from '../core/rng.js';
import type { HistoryRecorder } from './recorder.js';

export interface WorkersOptions {
  concurrency: number;
  /** Operations per second over all workers; 0 for no cap. */
  rate: number;
  recorder: HistoryRecorder;
  /** A new client for a process number, from a worker slot. */
  newClient: (process: number, slot: number) => DbClient;
  /** Each slot's random stream. */
  rng: (slot: number) => Rng;
  /** Milliseconds since the run started. */
  now: () => number;
}

export interface OpCounts {
  ok: number;
  fail: number;
  info: number;
}

interface Slot {
  index: number;
  process: number;
  client: DbClient;
  rng: Rng;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class Workers {
  readonly counts: OpCounts = { ok: 0, fail: 0, info: 0 };
  private readonly slots: Slot[];
  private readonly queue: PQueue;

  constructor(private readonly o: WorkersOptions) {
    this.queue = new PQueue({
      concurrency: o.concurrency,
      ...(o.rate > 0 ? { interval: 100, intervalCap: Math.max(1, Math.round(o.rate / 10)) } : {}),
    });
    this.slots = Array.from({ length: o.concurrency }, (_, index) => ({
      index,
      process: index,
      client: o.newClient(index, index),
      rng: o.rng(index),
    }));
  }

  /** Every slot's first client made ready (DbClient.open), before the first operation. */
  async open(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.client.open?.()));
  }

  /** Run the generator on every slot until it is done for all of them, or `signal` aborts. */
  async run(gen: Generator, signal: AbortSignal): Promise<void> {
    // Each slot may wait on the signal (one listener at a time each): past 10, Node would warn of a leak.
    setMaxListeners(getMaxListeners(signal) + this.slots.length, signal);
    await Promise.all(this.slots.map((slot) => this.loop(slot, gen, signal)));
  }

  private async loop(slot: Slot, gen: Generator, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const ctx: GenContext = { now: this.o.now(), slot: slot.index, process: slot.process, rng: slot.rng };
      const next = gen.next(ctx);
      if (next === 'done') return;
      if (next === 'wait') {
        await sleep(10, signal);
        continue;
      }
      if (next.delayMs) await sleep(next.delayMs, signal);
      if (signal.aborted) return;
      const outcome = await this.queue.add(() => this.invoke(slot, next.op), { throwOnTimeout: true });
      gen.update?.({ ...ctx, now: this.o.now() }, next.op, outcome.type);
    }
  }

  private async invoke(slot: Slot, op: ClientOp): Promise<ClientOutcome> {
    const process = slot.process;
    this.o.recorder.invoke(process, op);
    let outcome: ClientOutcome;
    try {
      outcome = await slot.client.invoke(op);
    } catch (err) {
      // A client that throws tells us nothing about whether the operation happened.
      outcome = { type: 'info', error: `client error: ${(err as Error).message}` };
    }
    this.o.recorder.complete(process, op, outcome);
    this.counts[outcome.type]++;
    if (outcome.type === 'info') {
      slot.client.close();
      slot.process += this.o.concurrency;
      slot.client = this.o.newClient(slot.process, slot.index);
    }
    return outcome;
  }

  close(): void {
    this.queue.clear();
    for (const s of this.slots) s.client.close();
  }
}

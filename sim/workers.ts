/**
 * Client processes on simulated time, with harness/workers.ts's rules: each slot runs one operation at a
 * time from the generator; an operation that ends indeterminate retires its process, and the slot goes on
 * as a fresh process with a fresh client.
 */
import type { ClientOp, ClientOutcome } from '../core/db.js';
import type { GenContext, Generator } from '../core/generator.js';
import type { Rng } from '../core/rng.js';
import type { HistoryRecorder } from '../harness/recorder.js';
import type { SimClient } from './client-node.js';
import type { EventQueue } from './event-queue.js';

interface Slot {
  index: number;
  process: number;
  client: SimClient;
  rng: Rng;
}

export class SimWorkers {
  readonly counts = { ok: 0, fail: 0, info: 0 };
  private readonly slots: Slot[];

  constructor(
    private readonly o: {
      concurrency: number;
      queue: EventQueue;
      recorder: HistoryRecorder;
      newClient: (process: number, slot: number) => SimClient;
      rng: (slot: number) => Rng;
    },
  ) {
    this.slots = Array.from({ length: o.concurrency }, (_, index) => ({
      index,
      process: index,
      client: o.newClient(index, index),
      rng: o.rng(index),
    }));
  }

  /** Run `gen` on every slot; `done` once it is done for all of them. */
  run(gen: Generator, done: () => void): void {
    let running = this.slots.length;
    const finished = () => {
      if (--running === 0) done();
    };
    for (const slot of this.slots) this.o.queue.after(0, () => this.loop(slot, gen, finished));
  }

  private ctx(slot: Slot): GenContext {
    return { now: this.o.queue.now / 1000, slot: slot.index, process: slot.process, rng: slot.rng };
  }

  private loop(slot: Slot, gen: Generator, finished: () => void): void {
    const ctx = this.ctx(slot);
    const next = gen.next(ctx);
    if (next === 'done') {
      finished();
      return;
    }
    if (next === 'wait') {
      this.o.queue.after(10_000, () => this.loop(slot, gen, finished));
      return;
    }
    this.o.queue.after(Math.round((next.delayMs ?? 0) * 1000), () =>
      this.invoke(slot, next.op, (outcome) => {
        gen.update?.(this.ctx(slot), next.op, outcome.type);
        this.loop(slot, gen, finished);
      }),
    );
  }

  private invoke(slot: Slot, op: ClientOp, then: (o: ClientOutcome) => void): void {
    const process = slot.process;
    this.o.recorder.invoke(process, op);
    slot.client.invoke(op, (outcome) => {
      this.o.recorder.complete(process, op, outcome);
      this.counts[outcome.type]++;
      if (outcome.type === 'info') {
        slot.client.close();
        slot.process += this.o.concurrency;
        slot.client = this.o.newClient(slot.process, slot.index);
      }
      // Never re-enter the client from its own callback.
      this.o.queue.after(0, () => then(outcome));
    });
  }

  close(): void {
    for (const s of this.slots) s.client.close();
  }
}

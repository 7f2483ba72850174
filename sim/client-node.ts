/**
 * One client process in the simulated world: the real client core (client-core.ts) with what JitClient and
 * the JIT Paxos adapter's (systems/jitpaxos/db.ts) client add around it (retry timers, an operation deadline, ok / fail / info outcomes, the
 * workload's operation vocabulary), on simulated time and the client's own simulated clock.
 *
 * Timers: JitClient's retry timer is a setTimeout, which runs on the machine's own oscillator: a drifting
 * client clock makes it fire early or late (as a replica's timers do), while clock jumps (offsets) leave it
 * alone. The operation deadline stays on simulated time: in real runs the clients live in the harness's
 * process, so their machine's clock is also the one the history is recorded on.
 */

import type { ClientOp, ClientOutcome } from '../core/db.js';
import {
  abandonRequest,
  type ClientEffect,
  type ClientState,
  clientRequest,
  handleClientReply,
  initialClient,
  retryRequest,
} from '../jitpaxos/client-core.js';
import type { ProtocolConfig } from '../jitpaxos/config.js';
import type { ClientMessage, ClientReply } from '../jitpaxos/messages.js';
import { toKvOp } from '../systems/jitpaxos/db.js';
import type { SimClock } from './clock.js';
import type { EventQueue, SimEvent } from './event-queue.js';

export interface ClientHost {
  queue: EventQueue;
  cfg: ProtocolConfig;
  send(from: SimClient, to: string, msg: ClientMessage): void;
}

interface Waiter {
  op: ClientOp;
  done: (o: ClientOutcome) => void;
  deadline: SimEvent;
  retry: SimEvent | null;
}

export class SimClient {
  readonly state: ClientState;
  private readonly waiters = new Map<number, Waiter>();
  closed = false;

  constructor(
    /** Protocol id (`c<process>`): a retired process's requests are never taken for the new one's. */
    readonly id: string,
    /** The worker slot it serves: names its clock and its network links. */
    readonly slotName: string,
    private readonly host: ClientHost,
    /** The client's clock reading (µs) at a simulated time. */
    private readonly clock: (simUs: number) => number,
    /** The client machine's clock, whose rate its timers run at. */
    private readonly machine: SimClock,
    private readonly timeoutMs: number,
    initialView: number,
    initialSeenTs: number,
  ) {
    this.state = initialClient(id, initialView, initialSeenTs);
  }

  get view(): number {
    return this.state.view;
  }

  private now(): number {
    return this.clock(this.host.queue.now);
  }

  invoke(op: ClientOp, done: (o: ClientOutcome) => void): void {
    const { reqID, effects } = clientRequest(this.host.cfg, this.state, toKvOp(op), this.now());
    const deadline = this.host.queue.after(this.timeoutMs * 1000, () => {
      this.apply(abandonRequest(this.state, reqID));
      this.finish(reqID, { type: 'info', error: 'timeout' });
    });
    this.waiters.set(reqID, { op, done, deadline, retry: null });
    this.apply(effects);
  }

  receive(msg: ClientReply): void {
    if (this.closed) return;
    this.apply(handleClientReply(this.host.cfg, this.state, msg, this.now()));
  }

  private apply(effects: ClientEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'send':
          this.host.send(this, e.to, e.msg);
          break;
        case 'timer': {
          const w = this.waiters.get(e.reqID);
          if (!w) break;
          if (w.retry) w.retry.cancelled = true;
          w.retry =
            e.ms === null
              ? null
              : this.host.queue.after(Math.round(this.machine.realDuration(e.ms * 1000)), () => {
                  w.retry = null;
                  if (!this.closed) this.apply(retryRequest(this.host.cfg, this.state, e.reqID, this.now()));
                });
          break;
        }
        case 'resolve': {
          const w = this.waiters.get(e.reqID);
          if (!w) break;
          const o = e.outcome;
          // A read returns the value read; writes and successful cas echo their argument, as in Jepsen.
          this.finish(
            e.reqID,
            o.type === 'ok'
              ? { type: 'ok', value: w.op.f === 'read' ? o.result.value : w.op.value, commit: o.commit }
              : { type: 'fail', error: o.error, commit: o.commit },
          );
          break;
        }
      }
    }
  }

  private finish(reqID: number, outcome: ClientOutcome): void {
    const w = this.waiters.get(reqID);
    if (!w) return;
    this.waiters.delete(reqID);
    w.deadline.cancelled = true;
    if (w.retry) w.retry.cancelled = true;
    w.done(outcome);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.waiters.keys()]) this.finish(id, { type: 'info', error: 'client closed' });
  }
}

/**
 * Latency with jitter on random links or on all of them. Jitter makes each message's delay different, so
 * messages from different senders arrive at a replica in another order than they were sent: that is what
 * drives JIT Paxos into reconcile and repair.
 */
import type { Rng } from '../core/rng.js';
import { toxicParams } from './params-schema.js';
import { ToxicFault } from './toxic.js';

export class LatencyFault extends ToxicFault {
  readonly name = 'latency';
  readonly params = toxicParams(['latency', 'jitter']);
  protected readonly toxicType = 'latency' as const;

  /** latency and jitter in ms (Toxiproxy's units); jitter as large as the latency itself, at most. */
  protected planAttributes(rng: Rng): Record<string, number> {
    const latency = rng.pick([5, 10, 20, 50, 100]);
    return { latency, jitter: Math.max(1, Math.round(latency * (0.5 + rng.next() / 2))) };
  }
}

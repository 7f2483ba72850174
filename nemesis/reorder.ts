/**
 * Reordering on the client links: a small latency with as much jitter again on every `client->rN` proxy.
 * Each client connection draws its own delays, so two clients' requests sent together reach one replica in
 * one order and another replica in the other, which is what drives JIT Paxos into reconcile and repair,
 * without slowing anything enough to excuse a stall (at most 40 ms: the availability checker's benign delay).
 */
import type { Rng } from '../core/rng.js';
import { clientProxyName } from '../core/topology.js';
import { toxicParams } from './params-schema.js';
import { ToxicFault } from './toxic.js';

export class ReorderFault extends ToxicFault {
  readonly name = 'reorder';
  readonly params = toxicParams(['latency', 'jitter']);
  protected readonly toxicType = 'latency' as const;

  override plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return { scope: 'clients', proxies: nodes.map(clientProxyName), attributes: this.planAttributes(rng) };
  }

  /** Delays spread evenly over 0..2×latency ms: wide next to the gap between two clients' sends. */
  protected planAttributes(rng: Rng): Record<string, number> {
    const latency = rng.pick([2, 5, 10, 20]);
    return { latency, jitter: latency };
  }
}

/**
 * A stuck connection: what one replica sends another on it sits in a buffer (a stuck proxy, TCP backing off
 * its retransmissions) and arrives, in order, when the stall ends. The sender does not call it back: if it
 * crashes, loses its disk and recovers meanwhile, its new life dials a new connection that flows, and the
 * old life's messages arrive after the new life's. Simulation only. Half the stalls are aimed at the primary
 * of the next view, as seen when the stall starts: a view-change reply held there and delivered after its
 * sender rejoined as a new incarnation is what DESIGN §2.4's incarnations are for, and a random link would
 * seldom be the one carrying it.
 */
import type { Rng } from '../core/rng.js';
import { linkProxyName } from '../core/topology.js';
import { primary } from '../jitpaxos/quorum.js';
import type { FaultRecord } from '../nemesis/types.js';
import type { FaultWorld, SimFault } from './fault-types.js';

interface Link {
  from: string;
  to: string;
}

export class SimStall implements SimFault {
  readonly name = 'stall';
  readonly real = false;
  private stalled: Link[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    if (rng.next() < 0.5) return { aim: 'next-primary' };
    const from = rng.pick(nodes);
    return { from, to: rng.pick(nodes.filter((n) => n !== from)) };
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.stalled.length > 0) this.stop(w);
    const link =
      params.aim === 'next-primary'
        ? towardNextPrimary(w)
        : { from: String(params.from), to: String(params.to) };
    w.stall(link.from, link.to);
    this.stalled = [link];
    return { fault: this.name, proxy: linkProxyName(link.from, link.to) };
  }

  stop(w: FaultWorld): FaultRecord {
    const healed = this.stalled;
    for (const l of healed) w.release(l.from, l.to);
    this.stalled = [];
    return { fault: this.name, healed: healed.map((l) => linkProxyName(l.from, l.to)) };
  }
}

/** A link from a random replica to the primary of the view after the highest one any replica is in. */
function towardNextPrimary(w: FaultWorld): Link {
  let view = 0;
  for (const r of w.replicas.values()) view = Math.max(view, r.state?.view ?? 0);
  const to = primary(view + 1, w.nodes);
  return { from: w.rng.pick(w.nodes.filter((n) => n !== to)), to };
}

/**
 * A stalled link: what one replica sends another on its connection sits in a buffer (a stuck proxy, TCP
 * backing off its retransmissions) and arrives, in order, when the stall ends; whatever the sender did
 * meanwhile (crashed, lost its disk, recovered) does not call it back. Simulation only. Half the stalls are
 * aimed at the primary of the next view, as seen when the stall starts: a view-change reply held there and
 * delivered after its sender lost its state is what DESIGN §2.4's incarnations are for, and a random link
 * would seldom be the one carrying it.
 */
import type { Rng } from '../core/rng.js';
import { primary } from '../jitpaxos/quorum.js';
import type { FaultRecord } from '../nemesis/types.js';
import type { FaultWorld, SimFault } from './fault-types.js';

export class SimStall implements SimFault {
  readonly name = 'stall';
  readonly real = false;
  private stalled: string[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    if (rng.next() < 0.5) return { aim: 'next-primary' };
    const from = rng.pick(nodes);
    return { proxy: `${from}->${rng.pick(nodes.filter((n) => n !== from))}` };
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.stalled.length > 0) this.stop(w);
    const proxy = params.aim === 'next-primary' ? towardNextPrimary(w) : String(params.proxy);
    w.stall(proxy);
    this.stalled = [proxy];
    return { fault: this.name, proxy };
  }

  stop(w: FaultWorld): FaultRecord {
    const healed = this.stalled;
    for (const p of healed) w.release(p);
    this.stalled = [];
    return { fault: this.name, healed };
  }
}

/** A link from a random replica to the primary of the view after the highest one any replica is in. */
function towardNextPrimary(w: FaultWorld): string {
  let view = 0;
  for (const r of w.replicas.values()) view = Math.max(view, r.state?.view ?? 0);
  const to = primary(view + 1, w.nodes);
  return `${w.rng.pick(w.nodes.filter((n) => n !== to))}->${to}`;
}

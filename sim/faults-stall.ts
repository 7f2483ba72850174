/**
 * A stalled link: what one replica sends another on its connection sits in a buffer (a stuck proxy, TCP
 * backing off its retransmissions) and arrives, in order, when the stall ends; whatever the sender did
 * meanwhile (crashed, lost its disk, recovered) does not call it back. Simulation only. It is the schedule
 * that shows whether the protocol counts a message from an earlier life of its sender (DESIGN §3's known
 * bug), so it is not in `--nemesis all` until that is fixed: `--nemesis stall,power,...` asks for it.
 */
import type { Rng } from '../core/rng.js';
import type { FaultRecord } from '../nemesis/types.js';
import type { FaultWorld, SimFault } from './fault-types.js';

export class SimStall implements SimFault {
  readonly name = 'stall';
  readonly real = false;
  private stalled: string[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    const from = rng.pick(nodes);
    return { proxy: `${from}->${rng.pick(nodes.filter((n) => n !== from))}` };
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.stalled.length > 0) this.stop(w);
    const proxy = String(params.proxy);
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

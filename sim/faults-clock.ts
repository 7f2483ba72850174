/** Clock faults of the simulated world: jumps and strobes (nemesis/clock.ts's plan), and drift. */
import { Rng } from '../core/rng.js';
import { ClockFault } from '../nemesis/clock.js';
import type { FaultRecord } from '../nemesis/types.js';
import type { SimClock } from './clock.js';
import type { SimEvent } from './event-queue.js';
import { type FaultWorld, resolveTarget, type SimFault, type Target } from './fault-types.js';

export class SimClockJump implements SimFault {
  readonly name = 'clock';
  readonly real = true;
  private readonly planner = new ClockFault();
  private touched = new Map<string, SimClock>();
  private strobe: SimEvent[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return this.planner.plan(rng, nodes);
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    this.stopStrobe();
    if (params.op === 'reset') return this.stop(w);
    const deltaUs = Number(params.deltaUs);
    const clocks = new Map<string, SimClock>();
    let primary: string | undefined;
    if (params.who === 'replicas') {
      const t = resolveTarget(w, params.target as Target, params.order as string[]);
      primary = t.primary;
      for (const n of t.nodes) clocks.set(n, w.replicas.get(n)!.clock);
    } else {
      const names = [...w.clientClocks.keys()];
      const chosen = new Rng(Number(params.pickSeed ?? 0))
        .shuffle(names)
        .slice(0, Math.max(1, Math.round(names.length * Number(params.fraction ?? 1))));
      for (const c of chosen) clocks.set(c, w.clientClocks.get(c)!);
    }
    const apply = (us: number) => {
      for (const [name, c] of clocks) {
        c.offsetUs = us;
        this.touched.set(name, c);
      }
    };
    apply(deltaUs);
    const record: FaultRecord = {
      fault: this.name,
      op: params.op as string,
      deltaUs,
      [params.who === 'replicas' ? 'replicas' : 'clients']: [...clocks.keys()],
      ...(primary ? { primary } : {}),
    };
    if (params.op === 'strobe') {
      const periodUs = Number(params.periodMs ?? 20) * 1000;
      const durationUs = Number(params.durationMs ?? 2000) * 1000;
      const end = w.queue.now + durationUs;
      let high = true;
      const flip = () => {
        if (w.queue.now >= end) {
          apply(0);
          this.strobe = [];
          return;
        }
        high = !high;
        apply(high ? deltaUs : 0);
        this.strobe = [w.queue.after(periodUs, flip)];
      };
      this.strobe = [w.queue.after(periodUs, flip)];
      Object.assign(record, { periodMs: params.periodMs, durationMs: params.durationMs });
    }
    return record;
  }

  private stopStrobe(): void {
    for (const e of this.strobe) e.cancelled = true;
    this.strobe = [];
  }

  stop(_w: FaultWorld): FaultRecord {
    this.stopStrobe();
    const names = [...this.touched.keys()];
    for (const c of this.touched.values()) c.offsetUs = 0;
    this.touched.clear();
    return { fault: this.name, op: 'reset', clocks: names };
  }
}

/**
 * Clocks that run fast or slow: timers fire early or late, client timestamps spread. Simulation only.
 * Replicas get their rates from the plan; clients, each its own: the plan's `clients` rate scaled, for each
 * client machine, by a factor in [-1, 1) that is a property of the machine (its own stream of the seed, so
 * the plan's draws are what they always were). A schedule may also give `clients` as rates by clock name.
 */
export class SimDrift implements SimFault {
  readonly name = 'drift';
  readonly real = false;
  private drifting: SimClock[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    const rate = () => rng.pick([-0.2, -0.05, -0.001, 0.001, 0.05, 0.2]);
    return {
      replicas: Object.fromEntries(nodes.filter(() => rng.next() < 0.6).map((n) => [n, rate()])),
      clients: rng.next() < 0.5 ? rate() : 0,
    };
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    this.stop(w);
    const now = w.queue.now;
    for (const [n, rate] of Object.entries(params.replicas as Record<string, number>)) {
      const c = w.replicas.get(n)?.clock;
      if (!c) continue;
      c.setDrift(now, rate);
      this.drifting.push(c);
    }
    const given = params.clients;
    const clients: Record<string, number> = {};
    for (const [name, c] of w.clientClocks) {
      const rate =
        typeof given === 'object' && given !== null
          ? Number((given as Record<string, number>)[name] ?? 0)
          : Math.round(Number(given ?? 0) * (2 * w.fork(`drift-${name}`).next() - 1) * 1e6) / 1e6;
      if (rate === 0) continue;
      c.setDrift(now, rate);
      this.drifting.push(c);
      clients[name] = rate;
    }
    return { fault: this.name, replicas: params.replicas, clients };
  }

  stop(w: FaultWorld): FaultRecord {
    for (const c of this.drifting) c.setDrift(w.queue.now, 0);
    this.drifting = [];
    return { fault: this.name, healed: true };
  }
}

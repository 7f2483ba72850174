/** Process faults of the simulated world: kill -9 and restart, power loss, pause (SIGSTOP / SIGCONT). */
import type { Rng } from '../core/rng.js';
import { primary as primaryOf } from '../jitpaxos/quorum.js';
import { DiskLossFault, diskLossRecord } from '../nemesis/disk-loss.js';
import { KillFault } from '../nemesis/kill.js';
import { PauseFault } from '../nemesis/pause.js';
import { planTarget } from '../nemesis/targets.js';
import type { FaultRecord } from '../nemesis/types.js';
import type { SimEvent } from './event-queue.js';
import { type FaultWorld, resolveTarget, type SimFault, type Target } from './fault-types.js';

/** Restart each of `nodes` that is down. */
function restart(w: FaultWorld, nodes: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const r = w.replicas.get(n)!;
    if (r.up) continue;
    r.start();
    out.push(n);
  }
  return out;
}

export class SimKill implements SimFault {
  readonly name = 'kill';
  readonly real = true;
  private killed: string[] = [];
  private readonly planner = new KillFault();

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return this.planner.plan(rng, nodes);
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.killed.length > 0) this.stop(w);
    const { nodes, primary } = resolveTarget(w, params.target as Target, params.order as string[]);
    const targets = nodes.filter((n) => w.replicas.get(n)!.up);
    for (const n of targets) w.replicas.get(n)!.crash();
    this.killed = targets;
    return {
      fault: this.name,
      signal: 'SIGKILL',
      target: params.target,
      targets,
      ...(primary ? { primary } : {}),
    };
  }

  stop(w: FaultWorld): FaultRecord {
    const nodes = this.killed;
    this.killed = [];
    return { fault: this.name, restarted: restart(w, nodes) };
  }
}

/**
 * The machine loses power: what was written but not synced is lost, except (torn) a prefix that reached
 * the disk; rarely (scramble) the disk kept a later write but not an earlier one, so the WAL cannot be
 * trusted and the replica must recover from its peers. `kill -9` cannot show any of this. Simulation only.
 */
export class SimPowerLoss implements SimFault {
  readonly name = 'power';
  readonly real = false;
  private down: string[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return {
      ...planTarget(rng, nodes, { one: 3, minority: 1, majority: 2, primary: 3, all: 1 }),
      torn: rng.next() < 0.5,
      scramble: rng.next() < 0.1,
    };
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.down.length > 0) this.stop(w);
    const { nodes, primary } = resolveTarget(w, params.target as Target, params.order as string[]);
    const lost: Record<string, number> = {};
    // A scrambled disk loses that replica's state: the protocol tolerates that on one replica at a time
    // (losing more disks than a minority is beyond any fault model), so only the first target, and only when
    // every other replica's synced state is trustworthy (what survives this very power loss, too).
    const scrambled =
      params.scramble &&
      [...w.replicas.values()].every(
        (r) => r.id === nodes[0] || (r.disk.trustedWhenSynced() && r.state?.status !== 'Recovering'),
      )
        ? nodes[0]
        : undefined;
    for (const n of nodes) {
      const r = w.replicas.get(n)!;
      if (!r.up) continue;
      lost[n] = r.powerLoss(Boolean(params.torn), n === scrambled);
      this.down.push(n);
    }
    return {
      fault: this.name,
      target: params.target,
      targets: Object.keys(lost),
      unsyncedLost: lost,
      torn: Boolean(params.torn),
      ...(scrambled ? { scrambled } : {}),
      ...(primary ? { primary } : {}),
    };
  }

  stop(w: FaultWorld): FaultRecord {
    const nodes = this.down;
    this.down = [];
    return { fault: this.name, restarted: restart(w, nodes) };
  }
}

/** A failed disk, as nemesis/disk-loss.ts does it to real processes, with the same plan and refusals. */
export class SimDiskLoss implements SimFault {
  readonly name = 'disk-loss';
  readonly real = true;
  private lost: string[] = [];
  private readonly planner = new DiskLossFault();

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return this.planner.plan(rng, nodes);
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.lost.length > 0) this.stop(w);
    const { nodes, primary } = resolveTarget(w, params.target as Target, params.order as string[]);
    const node = nodes[0]!;
    const others = [...w.replicas.values()]
      .filter((r) => r.id !== node)
      .map((r) => ({ node: r.id, running: r.up, recovering: r.state?.status === 'Recovering' }));
    const record = diskLossRecord(params, node, others, primary);
    if (record.skipped) return record;
    w.replicas.get(node)!.loseDisk();
    this.lost = [node];
    return record;
  }

  stop(w: FaultWorld): FaultRecord {
    const nodes = this.lost;
    this.lost = [];
    return { fault: this.name, restarted: restart(w, nodes) };
  }
}

export class SimPause implements SimFault {
  readonly name = 'pause';
  readonly real = true;
  private paused: string[] = [];
  private readonly planner = new PauseFault();

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return this.planner.plan(rng, nodes);
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.paused.length > 0) this.stop(w);
    const { nodes, primary } = resolveTarget(w, params.target as Target, params.order as string[]);
    const targets = nodes.filter((n) => w.replicas.get(n)!.up);
    for (const n of targets) w.replicas.get(n)!.pause();
    this.paused = targets;
    return {
      fault: this.name,
      signal: 'SIGSTOP',
      target: params.target,
      targets,
      ...(primary ? { primary } : {}),
    };
  }

  stop(w: FaultWorld): FaultRecord {
    const nodes = this.paused;
    this.paused = [];
    for (const n of nodes) w.replicas.get(n)!.resume();
    return { fault: this.name, signal: 'SIGCONT', resumed: nodes };
  }
}

/**
 * Kills aimed at view changes: while active, whenever a replica is in ViewChange and the primary of that
 * view is up, that primary is killed (as it installs its view) and restarted at once, after 0-300 ms.
 * Real runs' `bounce` (nemesis/bounce.ts) aims at the same window from outside, through the admin API, and
 * cannot time a kill this finely. Simulation only. Each kill and its restart are in the history, as a start
 * and a stop of `vc-kill-crash` (within vc-kill's own start and stop: stopping restarts what is still down).
 */
export class SimViewChangeKill implements SimFault {
  readonly name = 'vc-kill';
  readonly real = false;
  private poll: { cancelled: boolean } | null = null;
  private kills = 0;
  /** Killed replicas waiting for their restart, with the restart's event. */
  private readonly down = new Map<string, SimEvent>();

  plan(rng: Rng): Record<string, unknown> {
    return { maxKills: 1 + rng.int(3), pollMs: rng.pick([1, 5]) };
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    this.stop(w);
    const maxKills = Number(params.maxKills ?? 1);
    const pollUs = Number(params.pollMs ?? 1) * 1000;
    const tick = () => {
      if (this.kills >= maxKills) return;
      for (const r of w.replicas.values()) {
        const s = r.state;
        if (s?.status !== 'ViewChange') continue;
        const target = w.replicas.get(primaryOf(s.view, w.nodes))!;
        if (!target.up || target.paused) continue;
        target.crash();
        this.kills++;
        w.note('start', { fault: CRASH, signal: 'SIGKILL', targets: [target.id], view: s.view });
        this.down.set(
          target.id,
          w.queue.after(w.rng.int(300_000), () => this.restart(w, target.id)),
        );
        break;
      }
      this.poll = w.queue.after(pollUs, tick);
    };
    this.poll = w.queue.after(pollUs, tick);
    return { fault: this.name, maxKills };
  }

  private restart(w: FaultWorld, id: string): void {
    this.down.delete(id);
    const r = w.replicas.get(id)!;
    const restarted = r.up ? [] : [id];
    r.start();
    w.note('stop', { fault: CRASH, restarted });
  }

  stop(w: FaultWorld): FaultRecord {
    if (this.poll) this.poll.cancelled = true;
    this.poll = null;
    for (const [id, ev] of [...this.down]) {
      ev.cancelled = true;
      this.restart(w, id);
    }
    const kills = this.kills;
    this.kills = 0;
    return { fault: this.name, kills };
  }
}

/** What vc-kill's own kills are called in the history. */
const CRASH = 'vc-kill-crash';

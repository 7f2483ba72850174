/**
 * Swarm testing: each seed also picks the shape of its world (which faults, how many and how often, coarse
 * or fine client clocks, which workload, how far clients stamp ahead, slow machines, clocks that disagree,
 * how often replicas checkpoint and how soon they forget clients),
 * so a sweep explores configurations no one tuned, as FoundationDB's simulation does. Every dimension is a
 * property of the world, never of a flaw: a few of the worlds are calm ones (few faults, long gaps) since
 * liveness findings need stretches without a disruptive fault. The choice is made from the seed and written
 * out as plain options, so a stored run or a shrink replays it without `swarm`.
 */
import { Rng } from '../core/rng.js';
import { primary } from '../jitpaxos/quorum.js';
import { ALL_SIM_FAULTS, type SimOptions } from './options.js';

/** Faults added to `all` after the first stream's draws were fixed: each draws from a stream of its own. */
const LATER_FAULTS = ['stall', 'disk-loss'];

export function swarmOptions(o: SimOptions): SimOptions {
  const rng = new Rng(o.seed).fork('swarm');
  const first = ALL_SIM_FAULTS.filter((f) => !LATER_FAULTS.includes(f));
  const drawn = first.filter(() => rng.next() < 0.4);
  const nemesis = [
    ...(drawn.length > 0 ? drawn : [rng.pick(first)]),
    ...LATER_FAULTS.filter((f) => new Rng(o.seed).fork(`swarm-${f}`).next() < 0.4),
  ];
  const base: SimOptions = {
    ...o,
    swarm: false,
    nemesis,
    nemesisInterval: rng.pick([0.5, 1, 3, 5]),
    clockGranularityUs: rng.next() < 0.3 ? 1000 : 1,
    workload: rng.next() < 0.3 ? 'kv' : o.workload,
  };
  // Later dimensions draw from their own stream, so adding one leaves the earlier ones' choices alone.
  const world = new Rng(o.seed).fork('swarm-world');
  const nodes = Array.from({ length: o.replicas }, (_, i) => `r${i + 1}`);
  const calm = world.next() < 0.5;
  // Checkpoints often enough that a 60 s run compacts many times, and clients forgotten within it.
  const checkpoints = new Rng(o.seed).fork('swarm-checkpoints');
  const snapshotEvery = checkpoints.pick([undefined, 5000, 1000, 300]);
  const requestLifetimeMs = checkpoints.pick([undefined, undefined, 30_000, 15_000]);
  return {
    ...base,
    // A calm world: no fault, or one or two far apart; what is left to go wrong is the world's shape.
    ...(calm
      ? {
          nemesis: world.shuffle([...base.nemesis]).slice(0, world.pick([0, 1, 2])),
          nemesisInterval: world.pick([5, 10, 20]),
        }
      : {}),
    // Clients stamp on their own clock alone, or up to 20 or 150 ms ahead (the system's jitLeadMs).
    jitLeadMs: world.pick([0, 0, 20, 150]),
    // A slow machine: every link of one replica, clients' included, is slower for the whole run. Half the
    // time it is the first view's primary: a slow leader is the gray failure consensus handles worst.
    ...(world.next() < 0.5
      ? {
          slowNodes: {
            [world.next() < 0.5 ? primary(1, nodes) : world.pick(nodes)]: world.pick([5, 20, 50, 120]),
          },
        }
      : {}),
    // Machines whose clocks disagree by more than NTP allows: µs either way, for the whole run.
    // Mostly within what NTP keeps (spreads past 100 ms are a standing condition that the checkers
    // treat as a clock fault: no stall is looked for while it lasts).
    clientClockSpreadUs: world.pick([2_000, 2_000, 2_000, 50_000, 1_000_000, 10_000_000, 30_000_000]),
    replicaClockSpreadUs: world.pick([0, 0, 0, 0, 50_000, 1_000_000]),
    ...(snapshotEvery !== undefined && o.snapshotEvery === undefined ? { snapshotEvery } : {}),
    ...(requestLifetimeMs !== undefined && o.requestLifetimeMs === undefined ? { requestLifetimeMs } : {}),
  };
}

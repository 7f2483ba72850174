/** What one simulated run is: the `jitter test` configuration's vocabulary, plus the simulated faults. */
import { DEFAULT_TIMING } from '../jitpaxos/config.js';
import type { ScheduledAction } from '../nemesis/types.js';
import type { WorkloadName } from '../workloads/index.js';

export interface SimOptions {
  seed: number;
  replicas: number;
  mode: 'fixed' | 'seed';
  flaws: string[];
  workload: WorkloadName;
  /** Client processes; 0 means 2 per replica, as `jitter test`. */
  concurrency: number;
  /** Simulated seconds of workload and faults. */
  timeLimit: number;
  /** Faults (sim/faults.ts) the seeded schedule picks from. */
  nemesis: string[];
  nemesisInterval: number;
  opTimeoutMs: number;
  quiet: number;
  keys: number;
  dumpInterval: number;
  clockGranularityUs: number;
  /** Fixed mode: how far ahead clients may stamp requests (the JIT Paxos system's jitLeadMs); 0 turns it off. */
  jitLeadMs: number;
  /**
   * Slow machines: extra one-way delay (ms) on every link to or from these replicas, clients' links
   * included, for the whole run (a slow host or NIC rather than a fault that comes and goes).
   */
  slowNodes?: Record<string, number>;
  /** Client clocks start off true time by up to this many µs either way (default 2000: machines' NTP). */
  clientClockSpreadUs?: number;
  /** Replica clocks start off true time by up to this many µs either way (default 0). */
  replicaClockSpreadUs?: number;
  /** Fixed mode: entries between checkpoints (the JIT Paxos `snapshotEvery`); absent: the protocol's default. */
  snapshotEvery?: number;
  /** Fixed mode: how long after its first attempt a request may still be appended (the protocol's
   * `requestLifetimeMs`); absent: the protocol's default. */
  requestLifetimeMs?: number;
  /** An explicit schedule replaces the seeded one (replays, shrinking). */
  schedule?: ScheduledAction[];
  /** Stop the main phase's clients after this many operations in all (shrinking). */
  opLimit?: number;
  /** Let the seed choose faults, interval, clock granularity and workload too (sim/swarm.ts). */
  swarm?: boolean;
}

export function simDefaults(seed: number): SimOptions {
  return {
    seed,
    replicas: 3,
    mode: 'fixed',
    flaws: [],
    workload: 'register',
    concurrency: 0,
    timeLimit: 60,
    nemesis: ['partition', 'kill', 'pause', 'latency'],
    nemesisInterval: 5,
    opTimeoutMs: 1500,
    quiet: 3,
    keys: 8,
    dumpInterval: 5,
    clockGranularityUs: 1,
    jitLeadMs: DEFAULT_TIMING.maxLeadMs,
  };
}

/** Every fault at once (`--nemesis all`). */
export const ALL_SIM_FAULTS = [
  'partition',
  'client-partition',
  'latency',
  'chaos',
  'kill',
  'power',
  'pause',
  'vc-kill',
  'clock',
  'drift',
  'stall',
  'disk-loss',
];

/** A readable name for the run's store folder: store/sim-<mode>[-<flaws>]-<workload>/. */
export function simRunName(o: SimOptions): string {
  const flaws = o.flaws.length > 0 ? `-${[...o.flaws].sort().join('+')}` : '';
  return `sim-${o.mode}${flaws}-${o.workload}`;
}

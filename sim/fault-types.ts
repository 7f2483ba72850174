/**
 * Faults of the simulated world. Each plans its parameters from the seed (faults that exist for real runs
 * reuse the real fault's plan, so a simulated schedule is a `jitter test --schedule` schedule) and acts on
 * the world synchronously, in simulated time.
 */
import type { Rng } from '../core/rng.js';
import { type Target, targetNodes } from '../nemesis/targets.js';
import type { FaultRecord } from '../nemesis/types.js';
import type { SimClock } from './clock.js';
import type { EventQueue } from './event-queue.js';
import type { Network } from './network.js';
import type { SimReplica } from './replica-node.js';

export interface FaultWorld {
  queue: EventQueue;
  nodes: readonly string[];
  replicas: ReadonlyMap<string, SimReplica>;
  net: Network;
  /** Client clocks by worker slot name (`client-<slot>`). */
  clientClocks: ReadonlyMap<string, SimClock>;
  /** The primary of the highest view a reachable Normal replica reports (as the JIT Paxos adapter's (systems/jitpaxos/db.ts) primary()). */
  primary(): string | null;
  /** Randomness for what a fault decides while it acts (not in its plan). */
  rng: Rng;
  /**
   * An independent stream for a named purpose, forked from the run's seed: the same whenever it is asked
   * for, and drawing from it moves no other stream (a property of the world, e.g. one machine's oscillator).
   */
  fork(purpose: string): Rng;
  /** Hold what `from` sends `to` on its current connection until release(): a stuck connection. */
  stall(from: string, to: string): void;
  release(from: string, to: string): void;
  /**
   * Records a nemesis event in the history between a fault's start and stop, for what the fault does on its
   * own while active (vc-kill's kills and restarts).
   */
  note(f: 'start' | 'stop', record: FaultRecord): void;
}

export interface SimFault {
  readonly name: string;
  /** Whether `jitter test` can run it against real processes (and so a shrunk schedule may name it). */
  readonly real: boolean;
  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown>;
  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord;
  stop(w: FaultWorld): FaultRecord;
}

export type { Target };

/** The nodes a target names now, as nemesis/targets.ts resolves them (synchronously here). */
export function resolveTarget(
  w: FaultWorld,
  target: Target,
  order: readonly string[],
): { nodes: string[]; primary?: string } {
  return targetNodes(target, order, target === 'primary' ? w.primary() : null);
}

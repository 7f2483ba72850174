/**
 * The nemesis acts on the world only through the proxies (Toxiproxy API), process control (the db) and
 * the clocks. Each fault plans its parameters from the seed ahead of time, starts and stops, and says
 * exactly what it did; the final heal undoes everything.
 */
import type { Toxiproxy } from 'toxiproxy-node-client';
import type { ClientClocks } from '../core/clocks.js';
import type { Capability, Db } from '../core/db.js';
import type { Rng } from '../core/rng.js';
import type { Topology } from '../core/topology.js';

export type { ClientClocks };

/** What a fault may set up before the nodes first start (node env applies only at a start). */
export interface PrepareContext {
  db: Db;
  /** The run's node folder (<run dir>/nodes): per-node files such as the faketime timestamp file go here. */
  nodesDir: string;
}

export interface NemesisWorld {
  db: Db;
  toxiproxy: Toxiproxy;
  topology: Topology;
  clocks: ClientClocks;
  /** Operator-facing log (progress line, debug). */
  log: (line: string) => void;
}

/** What a fault action did, as recorded in the history (value of a nemesis op). */
export type FaultRecord = { fault: string } & Record<string, unknown>;

export interface Fault {
  readonly name: string;
  /** Node capabilities the fault cannot work without (checked against the system before a run). */
  readonly needs?: readonly Capability[];
  /**
   * A JSON Schema of the params its plan() makes (params-schema.ts has the shared pieces). A scripted
   * schedule's start params are checked against it before a run (harness/config.ts), so a typo or a negative
   * delay is a config error naming the entry and field, not a fault that misbehaves mid-run. None: any params.
   */
  readonly params?: object;
  /** Choose the parameters of a start, from the seed (resolved against the live system at start time). */
  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown>;
  start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord>;
  stop(world: NemesisWorld): Promise<FaultRecord>;
  /** Called once before the nodes start; throws (with what to install) if the fault cannot work here. */
  prepare?(ctx: PrepareContext): void;
  /** Undo whatever this fault may have left, whether or not it thinks it is active. Idempotent. */
  heal(world: NemesisWorld): Promise<void>;
}

/** One planned nemesis action, at a time relative to the start of the main phase. */
export interface ScheduledAction {
  atMs: number;
  fault: string;
  action: 'start' | 'stop';
  params?: Record<string, unknown>;
}

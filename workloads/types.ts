/** A workload: what clients do, which keys they touch, and which checkers and model judge the result. */
import type { Generator } from '../core/generator.js';

export interface Workload {
  name: string;
  description: string;
  /** The main phase's operations (the runner adds the time limit). */
  generator(): Generator;
  /** Keys read once more after the final heal, so that lost writes show up. */
  keys: readonly string[];
  /** The linearizability model (checkers/models) that judges each key. */
  model: string;
  /** The checkers this workload's runs go through. */
  checkers: readonly string[];
}

export interface WorkloadOptions {
  /** Number of independent keys (kv). */
  keys?: number;
  /** Mean pause between one process's operations, in ms. */
  staggerMs?: number;
}

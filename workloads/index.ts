import { kvWorkload } from './kv.js';
import { registerWorkload } from './register.js';
import type { Workload, WorkloadOptions } from './types.js';

export const WORKLOADS = {
  register: registerWorkload,
  kv: kvWorkload,
} as const satisfies Record<string, (o?: WorkloadOptions) => Workload>;

export type WorkloadName = keyof typeof WORKLOADS;
export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as WorkloadName[];

export function makeWorkload(name: WorkloadName, o: WorkloadOptions = {}): Workload {
  return WORKLOADS[name](o);
}

export type { Workload, WorkloadOptions } from './types.js';

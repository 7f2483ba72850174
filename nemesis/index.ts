/** The fault registry: `--nemesis a,b,c` names entries here. */
import { PartitionFault } from './partition.js';
import type { Fault } from './types.js';

export const FAULTS: Record<string, () => Fault> = {
  partition: () => new PartitionFault(),
};

export const FAULT_NAMES = Object.keys(FAULTS);

export function makeFaults(names: readonly string[]): Map<string, Fault> {
  const out = new Map<string, Fault>();
  for (const n of names) {
    const make = FAULTS[n];
    if (!make) throw new Error(`unknown nemesis "${n}"; known: ${FAULT_NAMES.join(', ')}`);
    out.set(n, make());
  }
  return out;
}

export { NemesisRunner } from './runner.js';
export { planSchedule } from './schedule.js';
export type { ClientClocks, Fault, FaultRecord, NemesisWorld, ScheduledAction } from './types.js';

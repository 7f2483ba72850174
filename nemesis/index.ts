/** The fault registry: `--nemesis a,b,c` names entries here. */
import { BandwidthFault } from './bandwidth.js';
import { BounceFault } from './bounce.js';
import { ClientPartitionFault } from './client-partition.js';
import { ClockFault } from './clock.js';
import { DiskLossFault } from './disk-loss.js';
import { KillFault } from './kill.js';
import { LatencyFault } from './latency.js';
import { PartitionFault } from './partition.js';
import { PauseFault } from './pause.js';
import { ReorderFault } from './reorder.js';
import { SliceFault } from './slice.js';
import type { Fault } from './types.js';

export const FAULTS: Record<string, () => Fault> = {
  partition: () => new PartitionFault(),
  'client-partition': () => new ClientPartitionFault(),
  latency: () => new LatencyFault(),
  reorder: () => new ReorderFault(),
  bandwidth: () => new BandwidthFault(),
  slice: () => new SliceFault(),
  clock: () => new ClockFault(),
  kill: () => new KillFault(),
  bounce: () => new BounceFault(),
  pause: () => new PauseFault(),
  'disk-loss': () => new DiskLossFault(),
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
export type {
  ClientClocks,
  Fault,
  FaultRecord,
  NemesisWorld,
  PrepareContext,
  ScheduledAction,
} from './types.js';

/** The simulated fault registry: `--nemesis a,b,c` names entries here. */
import type { SimFault } from './fault-types.js';
import { SimClockJump, SimDrift } from './faults-clock.js';
import { SimChaos, SimClientPartition, SimLatency, SimPartition } from './faults-network.js';
import { SimDiskLoss, SimKill, SimPause, SimPowerLoss, SimViewChangeKill } from './faults-process.js';
import { SimStall } from './faults-stall.js';

export const SIM_FAULTS: Record<string, () => SimFault> = {
  partition: () => new SimPartition(),
  'client-partition': () => new SimClientPartition(),
  latency: () => new SimLatency(),
  chaos: () => new SimChaos(),
  kill: () => new SimKill(),
  power: () => new SimPowerLoss(),
  pause: () => new SimPause(),
  'vc-kill': () => new SimViewChangeKill(),
  clock: () => new SimClockJump(),
  drift: () => new SimDrift(),
  stall: () => new SimStall(),
  'disk-loss': () => new SimDiskLoss(),
};

export const SIM_FAULT_NAMES = Object.keys(SIM_FAULTS);

export function makeSimFaults(names: readonly string[]): Map<string, SimFault> {
  const out = new Map<string, SimFault>();
  for (const n of names) {
    const make = SIM_FAULTS[n];
    if (!make) throw new Error(`unknown sim fault "${n}"; known: ${SIM_FAULT_NAMES.join(', ')}`);
    out.set(n, make());
  }
  return out;
}

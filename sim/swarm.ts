/**
 * Swarm testing: each seed also picks the shape of its world (which faults, how often, coarse or fine
 * client clocks, which workload), so a sweep explores configurations no one tuned, as FoundationDB's
 * simulation does. The choice is made from the seed and written out as plain options, so a stored run or a
 * shrink replays it without `swarm`.
 */
import { Rng } from '../core/rng.js';
import { ALL_SIM_FAULTS, type SimOptions } from './options.js';

export function swarmOptions(o: SimOptions): SimOptions {
  const rng = new Rng(o.seed).fork('swarm');
  const nemesis = ALL_SIM_FAULTS.filter(() => rng.next() < 0.4);
  return {
    ...o,
    swarm: false,
    nemesis: nemesis.length > 0 ? nemesis : [rng.pick(ALL_SIM_FAULTS)],
    nemesisInterval: rng.pick([0.5, 1, 3, 5]),
    clockGranularityUs: rng.next() < 0.3 ? 1000 : 1,
    workload: rng.next() < 0.3 ? 'kv' : o.workload,
  };
}

/**
 * The fault schedule, planned from the seed before the run: every `interval` one fault is picked, and it
 * starts if it was stopped or stops if it was running, so each fault alternates start and stop.
 */
import type { Rng } from '../core/rng.js';
import type { Fault, ScheduledAction } from './types.js';

export function planSchedule(o: {
  faults: readonly Fault[];
  rng: Rng;
  intervalMs: number;
  durationMs: number;
  nodes: readonly string[];
}): ScheduledAction[] {
  const out: ScheduledAction[] = [];
  if (o.faults.length === 0) return out;
  const active = new Set<string>();
  for (let at = o.intervalMs; at < o.durationMs; at += o.intervalMs) {
    const f = o.rng.pick(o.faults);
    if (active.has(f.name)) {
      active.delete(f.name);
      out.push({ atMs: Math.round(at), fault: f.name, action: 'stop' });
    } else {
      active.add(f.name);
      out.push({ atMs: Math.round(at), fault: f.name, action: 'start', params: f.plan(o.rng, o.nodes) });
    }
  }
  return out;
}

/**
 * The fault schedule, planned from the seed before the run: every `interval` one fault is picked, and it
 * starts if it was stopped or stops if it was running, so each fault alternates start and stop.
 *
 * With `periodMs`, one period is planned and replayed until the end, each period ending with every fault
 * stopped: stretches of a long run then meet the same faults, so what differs between them is what the
 * run's length did to the system, not what the dice picked.
 */
import type { Rng } from '../core/rng.js';
import type { Fault, ScheduledAction } from './types.js';

export function planSchedule(o: {
  faults: readonly Fault[];
  rng: Rng;
  intervalMs: number;
  durationMs: number;
  nodes: readonly string[];
  periodMs?: number;
}): ScheduledAction[] {
  if (o.periodMs === undefined) return planSpan(o, o.durationMs);
  const period = planSpan(o, o.periodMs);
  const stillActive = new Set<string>();
  for (const a of period) a.action === 'start' ? stillActive.add(a.fault) : stillActive.delete(a.fault);
  for (const fault of stillActive) period.push({ atMs: o.periodMs, fault, action: 'stop' });
  const out: ScheduledAction[] = [];
  for (let from = 0; from < o.durationMs; from += o.periodMs)
    for (const a of period) if (from + a.atMs < o.durationMs) out.push({ ...a, atMs: from + a.atMs });
  return out;
}

function planSpan(
  o: { faults: readonly Fault[]; rng: Rng; intervalMs: number; nodes: readonly string[] },
  durationMs: number,
): ScheduledAction[] {
  const out: ScheduledAction[] = [];
  if (o.faults.length === 0) return out;
  const active = new Set<string>();
  for (let at = o.intervalMs; at < durationMs; at += o.intervalMs) {
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

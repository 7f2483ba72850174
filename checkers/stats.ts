/**
 * Outcome counts per operation kind. A kind that never succeeded means the run tested nothing of it: invalid
 * when the cluster had a fair chance at it, unknown when it had none. A fair try is an operation invoked in a
 * calm stretch (no disruptive fault active, as availability defines it, for at least `settleNs`, or since
 * the run began) that ended before the next disruption: a world whose faults never let up (the simulator's
 * swarm picks some) says nothing about a kind it never let through.
 */
import type { Op } from '../core/history.js';
import { DisruptionTracker, type Survives } from './disruptions.js';
import { Pairer } from './operations.js';
import type { CheckResult } from './types.js';

export interface StatsResult extends CheckResult {
  checker: 'stats';
  byF: Record<string, { ok: number; fail: number; info: number }>;
}

export interface StatsOptions {
  /** Recovery time (ns) after a disruption before an operation is a fair try (default 3 s, availability's). */
  settleNs?: number;
  /** Whether the system keeps working with these nodes crashed or paused (availability's `survives`). */
  survives?: Survives;
}

/** One pass over the events (an array or a stream); memory is the operations open at once. */
export function checkStats(history: Iterable<Op>, opts: StatsOptions = {}): StatsResult {
  const settleNs = opts.settleNs ?? 3e9;
  const byF: StatsResult['byF'] = {};
  const count = (op: { f: string; status: 'ok' | 'fail' | 'info' }) => void byF[op.f]![op.status]++;
  const faults = new DisruptionTracker(undefined, opts.survives);
  /** When the current calm stretch began (the run's start counts as settled). */
  let calmSince = Number.NEGATIVE_INFINITY;
  /** Open operations that were invoked as fair tries, with the disruption count then. */
  const fairAt = new Map<Op['process'], number>();
  const triedFairly = new Set<string>();
  const pairer = new Pairer();
  let i = 0;
  for (const ev of history) {
    if (ev.process === 'nemesis') {
      const was = faults.disrupted;
      faults.event(ev);
      if (was && !faults.disrupted) calmSince = ev.time;
    }
    const op = pairer.event(ev, i++);
    if (!op) continue;
    if (ev.type === 'invoke') {
      // Kinds listed in the order they were first invoked.
      byF[op.f] ??= { ok: 0, fail: 0, info: 0 };
      if (!faults.disrupted && ev.time - calmSince >= settleNs) fairAt.set(ev.process, faults.began);
      continue;
    }
    count(op);
    if (fairAt.get(ev.process) === faults.began && !faults.disrupted) triedFairly.add(op.f);
    fairAt.delete(ev.process);
  }
  // Cut off by the end of the run: a try only if the run ended calm.
  for (const op of pairer.rest()) {
    count(op);
    if (fairAt.get(op.process) === faults.began && !faults.disrupted) triedFairly.add(op.f);
  }
  const never = Object.entries(byF)
    .filter(([, c]) => c.ok === 0)
    .map(([f]) => f);
  const result: StatsResult = { checker: 'stats', valid: never.length === 0, byF };
  if (never.length === 0) return result;
  const unfair = never.filter((f) => !triedFairly.has(f));
  if (unfair.length === never.length) {
    result.valid = 'unknown';
    result.reason = `never succeeded: ${never.join(', ')}; never tried in a calm stretch (disruptive faults, or under ${settleNs / 1e9} s since one)`;
  } else result.reason = `never succeeded: ${never.join(', ')}`;
  return result;
}

/**
 * When did a run first go wrong? The earliest operation that the failing checkers name (the counterexample's
 * operations, the commits of commit-consistency violations), in seconds since the first client operation.
 * Availability counts only when asked for (`liveness`): it is a liveness finding, not a safety anomaly.
 */
import { getChecker } from '../checkers/index.js';
import type { History } from '../core/history.js';
import type { RunResults } from '../core/store.js';

export interface Anomaly {
  /** Seconds from the first client operation to the earliest operation implicated; null if none is named. */
  firstS: number | null;
  /** The safety checkers that failed. */
  checkers: string[];
  reason?: string;
}

export function firstAnomaly(
  results: RunResults,
  history: History,
  opts: { liveness?: boolean } = {},
): Anomaly {
  const t0 = history.find((op) => op.process !== 'nemesis')?.time ?? 0;
  let best = Number.POSITIVE_INFINITY;
  const checkers: string[] = [];
  const reasons: string[] = [];
  for (const [name, result] of Object.entries(results.checkers)) {
    const checker = getChecker(name);
    if (result.valid !== false || !checker) continue;
    // Liveness findings (stalls) count only when asked for: flaws that only stall the system.
    if (checker.kind !== 'safety' && !(opts.liveness && checker.kind === 'liveness')) continue;
    checkers.push(name);
    reasons.push(`${name}: ${result.reason ?? ''}`);
    for (const t of checker.implicated?.(result, history) ?? []) best = Math.min(best, t);
  }
  return {
    firstS: Number.isFinite(best) ? (best - t0) / 1e9 : null,
    checkers,
    ...(reasons.length > 0 ? { reason: reasons.join(' | ') } : {}),
  };
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * When did a run first go wrong? The earliest operation that the failing checkers name (the counterexample's
 * operations, the commits of commit-consistency violations), in seconds since the first client operation.
 * Availability counts only when asked for (`liveness`): it is a liveness finding, not a safety anomaly.
 */
import type { History } from '../core/history.js';
import type { RunResults } from '../core/store.js';

export interface Anomaly {
  /** Seconds from the first client operation to the earliest operation implicated; null if none is named. */
  firstS: number | null;
  /** The safety checkers that failed. */
  checkers: string[];
  reason?: string;
}

interface NamedOp {
  call?: number;
  ret?: number | null;
}

export function firstAnomaly(
  results: RunResults,
  history: History,
  opts: { liveness?: boolean } = {},
): Anomaly {
  const t0 = history.find((op) => op.process !== 'nemesis')?.time ?? 0;
  const at = (i: number | null | undefined) =>
    i == null ? Number.POSITIVE_INFINITY : (history[i]?.time ?? Infinity);
  let best = Number.POSITIVE_INFINITY;
  const checkers: string[] = [];
  const reasons: string[] = [];
  const lin = results.checkers.linearizability as
    | { valid: unknown; reason?: string; counterexample?: { op?: NamedOp | null; pending?: NamedOp[] } }
    | undefined;
  if (lin?.valid === false) {
    checkers.push('linearizability');
    reasons.push(`linearizability: ${lin.reason ?? ''}`);
    const cx = lin.counterexample;
    for (const op of [cx?.op, ...(cx?.pending ?? [])]) if (op) best = Math.min(best, at(op.ret ?? op.call));
  }
  const cc = results.checkers['commit-consistency'] as
    | {
        valid: unknown;
        reason?: string;
        violations?: Array<{ commit?: { opIndex?: number }; other?: { opIndex?: number } }>;
      }
    | undefined;
  if (cc?.valid === false) {
    checkers.push('commit-consistency');
    reasons.push(`commit-consistency: ${cc.reason ?? ''}`);
    for (const v of cc.violations ?? []) best = Math.min(best, at(v.commit?.opIndex), at(v.other?.opIndex));
  }
  const av = results.checkers.availability as
    | {
        valid: unknown;
        reason?: string;
        late?: Array<{ invokedAt: number }>;
        stalls?: Array<{ start: number }>;
      }
    | undefined;
  if (opts.liveness && av?.valid === false) {
    // For flaws that only stall the system (no retries, clock skew, misdirected reconciles).
    checkers.push('availability');
    reasons.push(`availability: ${av.reason ?? ''}`);
    for (const l of av.late ?? []) best = Math.min(best, l.invokedAt);
    for (const st of av.stalls ?? []) best = Math.min(best, st.start);
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

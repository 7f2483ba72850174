/**
 * Availability: the share of operations that succeeded in each time window, and, after the final heal,
 * every operation must complete (ok or fail) within a bound: a healed cluster that still stalls is a bug.
 */
import type { History } from '../harness/history.js';
import { pairOperations } from './operations.js';
import type { CheckResult } from './types.js';

export interface AvailabilityOptions {
  /** Window width in nanoseconds (default 1 s). */
  windowNs?: number;
  /** Time (ns) of the final heal; default: the last nemesis event. No nemesis at all: the whole run. */
  healedAt?: number;
  /** How long (ns) an operation invoked after the heal may take (default 5 s). */
  boundNs?: number;
}

export interface AvailabilityResult extends CheckResult {
  checker: 'availability';
  windows: Array<{ start: number; ops: number; ok: number; share: number }>;
  healedAt: number;
  late: Array<{ process: number | string; f: string; invokedAt: number; took: number | null }>;
}

export function checkAvailability(history: History, opts: AvailabilityOptions = {}): AvailabilityResult {
  const windowNs = opts.windowNs ?? 1e9;
  const boundNs = opts.boundNs ?? 5e9;
  const nemesis = history.filter((op) => op.process === 'nemesis');
  const healedAt = opts.healedAt ?? (nemesis.length > 0 ? nemesis[nemesis.length - 1]!.time : 0);
  const end = history.length > 0 ? history[history.length - 1]!.time : 0;
  const ops = pairOperations(history);
  const windows = new Map<number, { ops: number; ok: number }>();
  const late: AvailabilityResult['late'] = [];
  for (const op of ops) {
    const invoked = history[op.call]!.time;
    const done = Number.isFinite(op.ret) ? history[op.ret]!.time : null;
    const w = Math.floor(invoked / windowNs) * windowNs;
    const bucket = windows.get(w) ?? { ops: 0, ok: 0 };
    bucket.ops++;
    if (op.status === 'ok') bucket.ok++;
    windows.set(w, bucket);
    if (invoked < healedAt) continue;
    // An info outcome is a timeout; an operation cut off by the end of the run is only late if it had time.
    const took = done === null || op.status === 'info' ? null : done - invoked;
    if (took === null ? end - invoked > boundNs : took > boundNs) {
      late.push({ process: op.process, f: op.f, invokedAt: invoked, took });
    }
  }
  const result: AvailabilityResult = {
    checker: 'availability',
    valid: late.length === 0,
    windows: [...windows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([start, b]) => ({ start, ops: b.ops, ok: b.ok, share: b.ops === 0 ? 0 : b.ok / b.ops })),
    healedAt,
    late,
  };
  if (late.length > 0) {
    const first = late[0]!;
    result.reason = `${late.length} operation(s) after the final heal did not complete within ${boundNs / 1e6} ms; first: ${first.f} by process ${first.process} invoked at ${first.invokedAt} ns`;
  }
  return result;
}

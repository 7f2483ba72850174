/** Outcome counts per operation kind; a kind that never succeeded means the run tested nothing of it. */
import type { Op } from '../core/history.js';
import { Pairer } from './operations.js';
import type { CheckResult } from './types.js';

export interface StatsResult extends CheckResult {
  checker: 'stats';
  byF: Record<string, { ok: number; fail: number; info: number }>;
}

/** One pass over the events (an array or a stream); memory is the operations open at once. */
export function checkStats(history: Iterable<Op>): StatsResult {
  const byF: StatsResult['byF'] = {};
  const count = (op: { f: string; status: 'ok' | 'fail' | 'info' }) => void byF[op.f]![op.status]++;
  const pairer = new Pairer();
  let i = 0;
  for (const ev of history) {
    const op = pairer.event(ev, i++);
    if (!op) continue;
    // Kinds listed in the order they were first invoked.
    if (ev.type === 'invoke') byF[op.f] ??= { ok: 0, fail: 0, info: 0 };
    else count(op);
  }
  for (const op of pairer.rest()) count(op);
  const never = Object.entries(byF)
    .filter(([, c]) => c.ok === 0)
    .map(([f]) => f);
  const result: StatsResult = { checker: 'stats', valid: never.length === 0, byF };
  if (never.length > 0) result.reason = `never succeeded: ${never.join(', ')}`;
  return result;
}

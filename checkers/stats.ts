/** Outcome counts per operation kind; a kind that never succeeded means the run tested nothing of it. */
import type { History } from '../core/history.js';
import { pairOperations } from './operations.js';
import type { CheckResult } from './types.js';

export interface StatsResult extends CheckResult {
  checker: 'stats';
  byF: Record<string, { ok: number; fail: number; info: number }>;
}

export function checkStats(history: History): StatsResult {
  const byF: StatsResult['byF'] = {};
  for (const op of pairOperations(history)) {
    byF[op.f] ??= { ok: 0, fail: 0, info: 0 };
    byF[op.f]![op.status]++;
  }
  const never = Object.entries(byF)
    .filter(([, c]) => c.ok === 0)
    .map(([f]) => f);
  const result: StatsResult = { checker: 'stats', valid: never.length === 0, byF };
  if (never.length > 0) result.reason = `never succeeded: ${never.join(', ')}`;
  return result;
}

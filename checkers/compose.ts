/** Combining checkers' verdicts: false beats "unknown" beats true. */
import type { CheckResult, Verdict } from './types.js';

export function combineVerdicts(verdicts: Verdict[]): Verdict {
  if (verdicts.includes(false)) return false;
  if (verdicts.includes('unknown')) return 'unknown';
  return true;
}

export interface ComposedResult extends CheckResult {
  checker: 'composite';
  results: CheckResult[];
}

export function composeResults(...results: CheckResult[]): ComposedResult {
  const valid = combineVerdicts(results.map((r) => r.valid));
  const out: ComposedResult = { checker: 'composite', valid, results };
  const deciding = results.find((r) => r.valid === valid && valid !== true);
  if (deciding) out.reason = `${deciding.checker}: ${deciding.reason ?? String(deciding.valid)}`;
  return out;
}

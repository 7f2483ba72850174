/** The verdict vocabulary shared by checkers, the run store and reports. */

/** false beats "unknown" beats true when results are composed. */
export type Verdict = true | false | 'unknown';

/** What every checker returns; checker-specific detail rides along in extra fields. */
export interface CheckResult {
  checker: string;
  valid: Verdict;
  /** Why the verdict is false or unknown, in one line. */
  reason?: string;
  [detail: string]: unknown;
}

/**
 * Checker results written for people: scalars as short facts (nanosecond times as seconds), count records as
 * small tables, and the first violation explained, instead of the raw JSON of results.json.
 */
import {
  type AvailabilityResult,
  availabilityChecker,
  type CommitConsistencyResult,
  commitConsistencyChecker,
  resultOf,
} from '../checkers/index.js';
import type { RunResults } from '../core/store.js';
import type { CheckerTable, CheckerView, VerdictValue } from './types.js';

/** Fields shown elsewhere in the report (counterexample, commit violations, charts), or too big to list. */
const SKIP = new Set([
  'valid',
  'reason',
  'checker',
  'violations',
  'counterexample',
  'partitions',
  'windows',
  'healthy',
  'quiet',
]);

/** What each commit-consistency violation kind means, for the first one found. */
const KIND_MEANS: Record<string, string> = {
  inv: 'A replica that could serve holds another entry where a commit was acknowledged',
  agreement: 'Two clients were told different entries committed at one log index',
  durability: 'An acknowledged commit is missing from a final log of the final quorum',
  'log-duplicate-request': 'One request appears twice in a replica log',
  'log-timestamps': 'A replica log is not ordered by timestamp',
};

/** Nanoseconds since the start of the run, by name: healedAt, stallNs, boundNs, invokedAt... */
const isNs = (k: string) => /(At|Ns)$/.test(k);

export function seconds(ns: number): string {
  return `${(ns / 1e9).toFixed(ns >= 10e9 ? 1 : 2)} s`;
}

function count(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : String(Math.round(n * 1000) / 1000);
}

function isNumberRecord(v: unknown): v is Record<string, number> {
  return (
    !!v &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.values(v).length > 0 &&
    Object.values(v).every((x) => typeof x === 'number')
  );
}

function isTableRecord(v: unknown): v is Record<string, Record<string, number>> {
  return (
    !!v &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.values(v).length > 0 &&
    Object.values(v).every(isNumberRecord)
  );
}

function tableOf(caption: string, v: unknown): CheckerTable | null {
  if (isNumberRecord(v)) {
    return { caption, head: ['', 'count'], rows: Object.entries(v).map(([k, n]) => [k, count(n)]) };
  }
  if (isTableRecord(v)) {
    const cols = [...new Set(Object.values(v).flatMap((r) => Object.keys(r)))];
    return {
      caption,
      head: ['', ...cols],
      rows: Object.entries(v).map(([k, r]) => [k, ...cols.map((c) => count(r[c] ?? 0))]),
    };
  }
  return null;
}

/** The first commit-consistency violation, explained (stored results may lack fields: older runs). */
function firstViolation(r: CommitConsistencyResult): string | null {
  const v = r.violations?.[0];
  if (!v) return null;
  const means = KIND_MEANS[v.kind];
  const when = typeof v.takenAt === 'number' ? ` (log dumped at ${seconds(v.takenAt)})` : '';
  return `${means ? `${means}. ` : ''}${v.message ?? ''}${when}`;
}

/** The first late operation or stall, explained. */
function firstUnavailable(r: AvailabilityResult): string | null {
  const l = r.late?.[0];
  if (l) {
    const took = typeof l.took === 'number' ? `took ${seconds(l.took)}` : 'never completed';
    return `An operation outlasted the bound once faults had healed: process ${String(l.process)}'s ${l.f ?? 'operation'} invoked at ${seconds(l.invokedAt ?? 0)} ${took}.`;
  }
  const s = r.stalls?.[0];
  if (s) {
    return `Operations were in flight and none completed from ${seconds(s.start ?? 0)} to ${seconds(s.end ?? 0)}, with no disruptive fault active.`;
  }
  return null;
}

/** The first finding of a checker that names findings, in a sentence or two. */
function firstFinding(name: string, results: RunResults): string | null {
  if (name === commitConsistencyChecker.name) {
    const r = resultOf(commitConsistencyChecker, results.checkers);
    return r ? firstViolation(r) : null;
  }
  if (name === availabilityChecker.name) {
    const r = resultOf(availabilityChecker, results.checkers);
    return r ? firstUnavailable(r) : null;
  }
  return null;
}

export function checkerViews(results: RunResults | null): CheckerView[] {
  if (!results?.checkers) return [];
  return Object.entries(results.checkers).map(([name, res]) => {
    const r = res as unknown as Record<string, unknown>;
    const facts: Array<[string, string]> = [];
    const tables: CheckerTable[] = [];
    for (const [k, v] of Object.entries(r)) {
      if (SKIP.has(k)) continue;
      if (typeof v === 'number') facts.push([k, isNs(k) ? seconds(v) : count(v)]);
      else if (typeof v === 'string' || typeof v === 'boolean') facts.push([k, String(v)]);
      else if (Array.isArray(v)) facts.push([k, count(v.length)]);
      else {
        const t = tableOf(k, v);
        if (t) tables.push(t);
      }
    }
    return {
      name,
      valid: res.valid as VerdictValue,
      reason: res.reason ?? null,
      facts,
      tables,
      first: res.valid === true ? null : firstFinding(name, results),
    };
  });
}

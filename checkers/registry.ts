/**
 * Checkers as plugins: each registers one `Checker` by name; a run names the checkers it wants, and
 * `runCheckers` is the one place they are composed. A checker that throws, is missing, or gets nothing to
 * check says `unknown` instead of failing the run or claiming a clean bill.
 */
import type { History, Op } from '../core/history.js';
import type { CheckResult } from '../core/verdict.js';
import type { Survives } from './disruptions.js';
import type { DumpRecord, StoredRecord } from './dump-stream.js';
import type { LogChecksum, ReplicaStateEvent } from './replica-state.js';

/** Everything any checker may look at; each declares in `needs` which parts it cannot do without. */
export interface CheckInput {
  history: History;
  /**
   * Replica log dumps, when the system under test can take them: whole dumps, or dumps.jsonl's records
   * (deltas among them, see dump-stream.ts). May be read more than once (a file reader reads it again).
   */
  dumps: Iterable<StoredRecord>;
  /** All replica ids (to report replicas that never dumped). */
  replicas: readonly string[];
  /** The linearizability model (checkers/models) the workload names. */
  model: string;
  /** Search steps per key for the linearizability search (deterministic); default: the checker's. */
  maxSteps?: number;
  /** Wall-clock cap for searches, in ms: a last resort, none by default. */
  timeoutMs?: number;
  /** What the replicas' own logs say of their view, logViewID and status over time. */
  replicaEvents?: readonly ReplicaStateEvent[];
  /** The system's log prefix checksum (systems/ supply it). */
  logChecksum?: LogChecksum;
  /** Whether the system keeps working with these nodes down (systems/ say): liveness checkers judge such stretches. */
  survives?: Survives;
}

/**
 * A CheckInput whose history is a stream of events (e.g. history.jsonl read a line at a time) rather than an
 * array: it may be iterated more than once, each time from the start.
 */
export interface StreamCheckInput extends Omit<CheckInput, 'history'> {
  history: Iterable<Op>;
}

/** Parts of a CheckInput without which a checker has nothing to check. */
export type CheckNeed = 'client-ops' | 'dumps' | 'replica-events';

export interface Checker<R extends CheckResult = CheckResult> {
  readonly name: string;
  /** One line, for `--help` and docs. */
  readonly description: string;
  readonly needs: readonly CheckNeed[];
  /** Safety findings are anomalies; liveness findings (stalls) count only when asked for. */
  readonly kind: 'safety' | 'liveness' | 'info';
  check(input: CheckInput): R;
  /**
   * The same check of a streamed history, in memory that does not grow with the history's length (beyond
   * what one key's search needs). Without it a streamed history is read into an array for `check`.
   */
  stream?(input: StreamCheckInput): R;
  /** History times (ns) of the events a false verdict implicates: the earliest dates the anomaly. */
  implicated?(result: R, history: History): number[];
  /** A checker that can also judge a run as it goes (`jitter test --check-every`). */
  live?(options: LiveCheckOptions): LiveChecker;
}

export interface LiveCheckOptions {
  model: string;
  replicas: readonly string[];
  /** Search steps per key of one check; past them a check says nothing (unknown is not an anomaly). */
  maxSteps?: number;
  /** Wall-clock cap of one check, in ms, a last resort. */
  timeoutMs?: number;
}

/**
 * A checker fed during the run, event by event and dump record by dump record. It reports only what cannot
 * change as the run goes on (mid-run, a commit newer than a replica's last dump is not missing).
 */
export interface LiveChecker {
  op(op: Op): void;
  dump(record: DumpRecord): void;
  /** The first anomaly found so far, in one line, or null. */
  anomaly(): string | null;
}

const registry = new Map<string, Checker>();

export function registerChecker<R extends CheckResult>(checker: Checker<R>): Checker<R> {
  if (registry.has(checker.name)) throw new Error(`checker ${checker.name} registered twice`);
  registry.set(checker.name, checker as unknown as Checker);
  return checker;
}

export function getChecker(name: string): Checker | undefined {
  return registry.get(name);
}

/** Registered names, in registration order (the order results are listed in). */
export function checkerNames(): string[] {
  return [...registry.keys()];
}

/** A stored result read back as the checker's own shape (results.json holds what `check` returned). */
export function resultOf<R extends CheckResult>(
  checker: Checker<R>,
  results: Record<string, CheckResult> | undefined,
): R | undefined {
  return results?.[checker.name] as R | undefined;
}

const MISSING: Record<CheckNeed, string> = {
  'client-ops': 'no client operations to check',
  dumps: 'no replica log dumps to check',
  'replica-events': 'no replica state events to check',
};

function lacking(need: CheckNeed, input: CheckInput | StreamCheckInput): boolean {
  if (need === 'dumps') return isEmpty(input.dumps);
  if (need === 'replica-events') return !input.replicaEvents?.length;
  for (const op of input.history) if (op.process !== 'nemesis') return false;
  return true;
}

function isEmpty(items: Iterable<unknown>): boolean {
  for (const _ of items) return false;
  return true;
}

/** Runs one checker; whatever goes wrong becomes an `unknown` result that says why. */
export function runChecker(name: string, input: CheckInput | StreamCheckInput): CheckResult {
  const checker = registry.get(name);
  if (!checker) return { checker: name, valid: 'unknown', reason: `no checker named ${name}` };
  const need = checker.needs.find((n) => lacking(n, input));
  if (need) return { checker: name, valid: 'unknown', reason: MISSING[need] };
  try {
    if (Array.isArray(input.history)) return checker.check(input as CheckInput);
    if (checker.stream) return checker.stream(input);
    return checker.check({ ...input, history: Array.from(input.history) });
  } catch (err) {
    return {
      checker: name,
      valid: 'unknown',
      reason: `checker threw: ${(err as Error).message ?? String(err)}`,
    };
  }
}

/** The named checkers' results by name, in registration order (unregistered names last); duplicates once. */
export function runCheckers(
  names: readonly string[],
  input: CheckInput | StreamCheckInput,
  /** Called after each checker (e.g. to collect what it left before the next one builds its own). */
  afterEach?: () => void,
): Record<string, CheckResult> {
  const wanted = new Set(names);
  const ordered = [
    ...checkerNames().filter((n) => wanted.has(n)),
    ...[...wanted].filter((n) => !registry.has(n)),
  ];
  const out: Record<string, CheckResult> = {};
  for (const name of ordered) {
    out[name] = runChecker(name, input);
    afterEach?.();
  }
  return out;
}

/**
 * Checker-side domain types. The history itself (Op, History) lives in core/history.ts; the replicated-log
 * entry is declared here, so that any system whose adapter dumps logs in this shape can be checked.
 */
import type { CommitMeta, Op, ProcessId } from '../core/history.js';
import type { CheckResult, Verdict } from '../core/verdict.js';
import type { StoredRecord } from './dump-stream.js';

export type { CheckResult, Verdict } from '../core/verdict.js';

/**
 * One client operation: an invocation paired with its completion.
 * `status` is the completion's type; an invocation that never completed counts as "info".
 */
export interface Operation {
  /** Position of the operation in the history (invocation order), used as its id. */
  id: number;
  process: ProcessId;
  f: string;
  key?: string;
  /** The invocation's argument. */
  value: unknown;
  /** The completion's value (the result for ok reads); undefined for info. */
  result: unknown;
  status: 'ok' | 'fail' | 'info';
  /** History index of the invocation and of the completion (Infinity when there is none). */
  call: number;
  ret: number;
}

/** Returned by Model.step when the operation cannot take effect in that state. */
export const ILLEGAL: unique symbol = Symbol('illegal');
export type Illegal = typeof ILLEGAL;

/**
 * A sequential specification. The search never looks inside states or operations, so adding a model
 * means adding one of these objects and nothing else.
 */
export interface Model<S = unknown> {
  name: string;
  /** One line on the model's semantics (shown by `--help` and in results). */
  description: string;
  /** Operation kinds (f) the model understands; others are rejected before the search. */
  fs: readonly string[];
  init(): S;
  /**
   * Whether an operation enters the search at all: false for operations that never happened
   * (e.g. Knossos drops :fail) or that cannot constrain anything (a read with no result).
   */
  keep(op: Operation): boolean;
  /**
   * The state after `op`, or ILLEGAL. An info op has an unknown outcome and must be accepted. It depends on
   * the operation's f, key, value and result only (the search treats equal info ops as interchangeable).
   */
  step(state: S, op: Operation): S | Illegal;
  /**
   * A primitive standing for the state, used as a memo key: equal keys mean equal states.
   * Omit it when states are primitives already.
   */
  key?(state: S): string | number | boolean | null;
  /**
   * Whether the operation leaves every state it is legal in unchanged (a read, a failed cas that is checked).
   * Such an operation, when legal, is linearized at once without branching; an operation that merely leaves
   * the current state unchanged (writing the value already there) does not qualify. Omit: none do.
   */
  readOnly?(op: Operation): boolean;
  /**
   * Given one partition's operations, optionally a test that `op`, not yet linearized, can never become legal
   * from `state` whatever follows (e.g. a get reading a string the state cannot grow into by appends, when no
   * put can come first). `placed` says whether an operation is already linearized. A configuration where a
   * pending operation is dead fails at once. Must never answer true wrongly; false is always safe.
   */
  deadEnd?(
    ops: Operation[],
  ): ((state: S, op: Operation, placed: (op: Operation) => boolean) => boolean) | undefined;
  /**
   * States are small non-negative integers (e.g. indices into the model's own tables): the search then uses
   * them as their own ids and skips interning.
   */
  intStates?: boolean;
  /** P-compositionality: the part of the history an operation belongs to (e.g. its key). */
  partition?(op: Operation): string;
  describeState(state: S): string;
  describeOp(op: Operation): string;
}

/** A model of any state type: the search is generic in it, callers need not be. */
// biome-ignore lint/suspicious/noExplicitAny: models differ in their state type, which only they look inside
export type AnyModel = Model<any>;

/** An operation as shown in a counterexample. */
export interface OpSummary {
  id: number;
  process: ProcessId;
  status: Operation['status'];
  f: string;
  key?: string;
  value: unknown;
  result: unknown;
  /** History indices of the invocation and completion (null: never completed). */
  call: number;
  ret: number | null;
  text: string;
}

export interface Counterexample {
  partition: string | null;
  initialState: string;
  /** The longest linearizable prefix found, with the model state after each operation. */
  prefix: Array<{ op: OpSummary; state: string }>;
  /** An operation whose completion was reached but that cannot be linearized after that prefix. */
  op: OpSummary | null;
  /** Operations pending at that point (invoked, not linearized), each of which failed to extend it. */
  pending: OpSummary[];
}

export interface PartitionResult {
  partition: string | null;
  valid: Verdict;
  reason?: string;
  ops: number;
  /** Search steps taken and memo entries stored: the work done. */
  steps: number;
  cacheEntries: number;
  ms: number;
  counterexample?: Counterexample;
}

export interface LinearizabilityResult extends CheckResult {
  checker: 'linearizability';
  model: string;
  ops: number;
  partitions: PartitionResult[];
  /** The first failing partition's counterexample. */
  counterexample?: Counterexample;
}

export interface LinearizabilityOptions {
  model: AnyModel | string;
  /** Initial register value for models that take one (JSON value; default null). */
  initial?: unknown;
  /**
   * Search steps allowed per partition (key); unknown when exceeded. The budget that decides: a count, so a
   * history gets the same verdict on a fast or a busy machine. Default DEFAULT_MAX_STEPS.
   */
  maxSteps?: number;
  /** Wall-clock cap for the whole history, a last resort (it makes the verdict depend on the machine). */
  timeoutMs?: number;
  /** Memo entries allowed per partition before giving up with unknown (memory budget). */
  maxCacheEntries?: number;
}

// ---- commit consistency ----

export type ReplicaId = string;
export type ReplicaStatus = 'Normal' | 'Repair' | 'ViewChange' | 'Recovering';

/** The key-value operation a log entry carries. */
export type LogOp =
  | { f: 'read'; key: string }
  | { f: 'write'; key: string; value: string }
  | { f: 'cas'; key: string; expected: string | null; value: string };

/** One replicated-log entry: the client's timestamp (µs) and request identity, and its operation. */
export interface LogEntry {
  ts: number;
  client: string;
  req: number;
  op: LogOp;
}

/** A replica's log, as dumped during or at the end of a run. */
export interface ReplicaLogDump {
  replica: ReplicaId;
  /** Nanoseconds since the start of the test. */
  takenAt: number;
  status: ReplicaStatus;
  view: number;
  logViewID: number;
  syncIndex: number;
  /** Whether the replica belongs to Quorum(view) of its own view. */
  inQuorum: boolean;
  /** Entry i is at log index i + 1. */
  log: LogEntry[];
  /** Set on dumps taken after the run ended (the final logs). */
  final?: boolean;
  /**
   * The replica compacted its first `index` entries into a snapshot (their prefix checksum, the system's, is
   * `checksum`): as dumped, `log` holds only the entries after them. `seen`: the dumper checked (by that
   * checksum) that they are the entries its earlier dumps of this replica showed. A decoded dump (DumpDecoder)
   * has its whole log again: those entries as earlier dumps showed them when `seen`, else COMPACTED.
   */
  compacted?: { index: number; checksum: string; seen: boolean };
}

export interface CommitConsistencyInput {
  history: Iterable<Op>;
  /** Whole dumps, or the records of dumps.jsonl (deltas among them): see dump-stream.ts. */
  dumps: Iterable<StoredRecord>;
  /** All replica ids of the cluster (to report replicas that never dumped). */
  replicas?: ReplicaId[];
}

export type CommitViolationKind =
  | 'inv'
  | 'agreement'
  | 'durability'
  | 'log-duplicate-request'
  | 'log-timestamps';

export interface CommitViolation {
  kind: CommitViolationKind;
  message: string;
  /** Evidence: the commit(s), replica, dump time and entries concerned. */
  commit?: CommitRef;
  other?: CommitRef;
  replica?: ReplicaId;
  takenAt?: number;
  index?: number;
  entries?: Array<LogEntry | null>;
}

/** A client commit as recorded on an ok operation: its commit metadata and the operation it belongs to. */
export interface CommitRef extends CommitMeta {
  opIndex: number;
  process: ProcessId;
  /** The operation: compared with the log entry's op when the commit names no request. */
  f: string;
  key?: string;
  value: unknown;
}

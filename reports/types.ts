/**
 * The data a report page renders: computed in Node from a run folder (reports/data.ts), embedded in the page
 * as JSON, read by the page script (reports/page/). Types only, so both sides can import it.
 * Times are milliseconds since the start of the run unless a name says otherwise.
 */
import type { Verdict } from '../core/verdict.js';

export type VerdictValue = Verdict;

/** Outcome codes of an operation in OpColumns.type. */
export const OUTCOMES = ['ok', 'fail', 'info', 'pending'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Client operations, one entry per column per operation, in invocation order. Compact on purpose: a
 * 100,000-operation history has to fit in one page.
 */
export interface OpColumnsOf<A> {
  /** Invocation time in microseconds, as a delta from the previous operation's (the first from 0). */
  startDeltaUs: A;
  /** Latency in microseconds; -1 when the operation never completed. */
  latUs: A;
  /** Index into ReportData.processes. */
  proc: A;
  /** Index into ReportData.fs. */
  f: A;
  /** Index into OUTCOMES. */
  type: A;
  /** Index into ReportData.keys; -1 without a key. */
  key: A;
  /** Indices into ReportData.values: the invocation's argument and the completion's value (-1: none). */
  arg: A;
  res: A;
  /** Index into ReportData.values of the error of a fail / info completion; -1 without one. */
  err: A;
  /** History index of the invocation. */
  index: A;
}

/** The columns as the page gets them. */
export type OpColumns = OpColumnsOf<number[]>;

/** The column names, in the order the page's JSON has them. */
export const OP_COLUMNS = [
  'startDeltaUs',
  'latUs',
  'proc',
  'f',
  'type',
  'key',
  'arg',
  'res',
  'err',
  'index',
] as const satisfies readonly (keyof OpColumns)[];

export interface FaultInterval {
  kind: string;
  start: number;
  end: number;
  /** The interval was cut by the run's edge (a stop without a start, or a start never stopped). */
  openStart: boolean;
  openEnd: boolean;
  /** The start action's value (and the stop's), as JSON text. */
  detail: string;
}

export interface ClockSeries {
  /** Node or client ids, one series each. */
  nodes: string[];
  /** Times of clock actions (with 0 and the run's end added), and each node's offset in ms from then on. */
  t: number[];
  offsetsMs: number[][];
}

export interface Throughput {
  bucketMs: number;
  /** Bucket start times and completions per second in each bucket, by outcome. */
  t: number[];
  ok: number[];
  fail: number[];
  info: number[];
}

export interface LatencyQuantiles {
  f: string;
  outcome: string;
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** An operation as shown in the counterexample view. */
export interface CxOp {
  id: number;
  process: string;
  f: string;
  status: string;
  text: string;
  call: number;
  /** null: never completed. */
  ret: number | null;
}

export interface CounterexampleView {
  partition: string | null;
  model: string;
  reason: string;
  initialState: string;
  /** Linearized steps of the longest prefix, in order, each with the state before and after it. */
  steps: Array<{ n: number; op: CxOp; before: string; after: string }>;
  /** Prefix steps left out before the first one shown (long prefixes are cut to their tail). */
  omitted: number;
  failing: CxOp | null;
  /** The state the failing operation would have to apply to. */
  failingBefore: string;
  pending: CxOp[];
  /** Other operations of the partition in the window shown, for context. */
  context: CxOp[];
  /** Every failing partition, by name, with its reason. */
  failedPartitions: Array<{ partition: string | null; reason: string }>;
}

export interface EntryView {
  index: number;
  ts: number;
  client: string;
  req: number;
  op: string;
}

export interface SideBySide {
  /** Column headings: a replica, and which dump (final, or taken at a time). */
  columns: Array<{ replica: string; label: string; status: string; view: number; length: number }>;
  /** Rows by log index; cells aligned with columns (null: no entry there). */
  rows: Array<{ index: number; cells: Array<EntryView | null> }>;
}

export interface ViolationView {
  kind: string;
  message: string;
  index: number | null;
  replica: string | null;
  takenAt: number | null;
  commit: Record<string, unknown> | null;
  other: Record<string, unknown> | null;
  entries: Array<EntryView | null>;
  sideBySide: SideBySide | null;
}

export interface CommitView {
  valid: VerdictValue;
  reason: string | null;
  counts: Record<string, number>;
  commits: number;
  dumps: number;
  violations: ViolationView[];
}

export interface ReplicaEvent {
  t: number;
  replica: string;
  event: string;
  view: number | null;
  status: string | null;
  detail: string;
}

export interface ReplicaEvents {
  replicas: string[];
  /** status / view / start-view / repair / recovered / start / stop / fatal, in time order. */
  events: ReplicaEvent[];
  /** Starts after the first, per replica. */
  restarts: Record<string, number>;
  /** Counts of chattier events left out of the list (link, wire, listening, ...). */
  other: Record<string, number>;
  /** Lines that were not JSON (stderr). */
  nonJson: number;
}

export interface CheckerView {
  name: string;
  valid: VerdictValue;
  reason: string | null;
  /** Small scalar fields of the result (counts, model, ...), for a one-line summary; times in seconds. */
  facts: Array<[string, string]>;
  /** Count records (violations per kind, outcomes per function) as small tables. */
  tables: CheckerTable[];
  /** The first violation or finding, explained; null when valid. */
  first: string | null;
}

export interface CheckerTable {
  caption: string;
  head: string[];
  rows: string[][];
}

export interface ReportData {
  /** Bumped when this shape changes. */
  format: 1;
  title: string;
  generatedAt: string;
  verdict: VerdictValue | null;
  checkers: CheckerView[];
  /** Config, versions, Toxiproxy, cluster, as label / value pairs. */
  config: Array<[string, string]>;
  run: { name: string; start: string; durationMs: number | null; interrupted: string | null } | null;
  /** Files of the run (relative paths) and files that are expected but absent. */
  files: Array<{ path: string; bytes: number }>;
  missing: string[];
  history: { events: number; malformed: number; ops: number; nemesis: number };
  /** The run's extent: from 0 to the last event (or the recorded duration, whichever is later). */
  endMs: number;
  processes: string[];
  /** Worker slots (Jepsen's threads): process p runs in slot p mod concurrency. Null when unknown. */
  concurrency: number | null;
  fs: string[];
  keys: string[];
  values: string[];
  ops: OpColumns;
  /** Long runs: `ops` gzipped, base64, history indices as differences (reports/pack.ts); `ops` is then empty. */
  opsPacked?: string;
  faults: FaultInterval[];
  faultKinds: string[];
  clock: ClockSeries | null;
  throughput: Throughput;
  quantiles: LatencyQuantiles[];
  counterexample: CounterexampleView | null;
  commit: CommitView | null;
  replicaEvents: ReplicaEvents;
}

/** One row of the store browser. */
export interface StoreRow {
  name: string;
  start: string;
  startMs: number;
  verdict: VerdictValue | null;
  ops: number | null;
  faults: number;
  faultKinds: string[];
  durationMs: number | null;
  mode: string;
  workload: string;
  nemesis: string;
  /** Paths relative to the store. */
  dir: string;
  report: string | null;
}

/** A sweep's record (core/sweeps.ts), as the store browser lists it. */
export interface SweepRow {
  /** The record's folder, relative to the store. */
  dir: string;
  started: string;
  /** The seeds, as given to --seeds. */
  seeds: string;
  total: number;
  judged: number;
  valid: number;
  invalid: number;
  unknown: number;
  /** running: a live process holds the record; stopped: its last session ended before the last seed. */
  state: 'complete' | 'running' | 'stopped';
  /** Why it stopped: the first failure, a signal, or nothing known (a sweep killed outright). */
  stopped: string | null;
  wallMs: number | null;
  /** What each seed ran: mode and flaws, simulated time, faults. */
  options: string;
  /** Seeds not judged valid, in seed order, with their stored run (relative to the store) if any. */
  failures: Array<{
    seed: number;
    valid: VerdictValue;
    failed: string[];
    run: string | null;
    report: string | null;
  }>;
}

export interface StoreData {
  format: 1;
  generatedAt: string;
  store: string;
  runs: StoreRow[];
  sweeps: SweepRow[];
}

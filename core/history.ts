/**
 * The shared history vocabulary: one Jepsen-style event per line of `history.jsonl`.
 * Workloads, clients, nemeses, checkers and reports all speak these types.
 */

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** A client process number, or the nemesis. A process has at most one operation in flight. */
export type ProcessId = number | 'nemesis';

/** Where a JIT Paxos operation committed: what the commit-consistency checker compares with replica logs. */
export interface CommitMeta {
  view: number;
  /** 1-based log index of the entry. */
  index: number;
  /** Rolling checksum of the log prefix ending at `index`. */
  checksum: string;
  /** Request identity, as stored in the log entry. */
  client?: string;
  req?: number;
  /** Timestamp (microseconds) of the entry. */
  ts?: number;
}

export interface Op {
  /** Position in the history, 0-based, strictly increasing. */
  index: number;
  /** Nanoseconds since the start of the test. */
  time: number;
  type: OpType;
  process: ProcessId;
  /** Operation kind: read / write / cas, get / put / append, or a nemesis action. */
  f: string;
  /** Key for keyed workloads; absent for a single register. */
  key?: string;
  /**
   * Invoke: the argument (write: value, cas: [expected, new], read: null).
   * Completion: the result (read: the value read) or the argument echoed.
   */
  value: unknown;
  /** ok operations of JIT Paxos: where the operation committed. */
  commit?: CommitMeta;
  /** fail / info: why. */
  error?: string;
}

export type History = Op[];

/**
 * The two small interfaces through which the harness reaches a system under test, as in Jepsen: a *db*
 * (the nodes: start, stop, kill, pause, status, log dump) and a *client* (invoke an operation, get
 * ok / fail / indeterminate). systems/jitpaxos/db.ts implements them for JIT Paxos; another system
 * implements them without touching the harness.
 */
import type { CommitMeta } from './history.js';

/** Node capabilities beyond start / stop / kill: a system may lack them, and the nemeses that need one say so. */
export type Capability = 'pause' | 'primary' | 'logDump' | 'env' | 'loseDisk';

/** host:port */
export type HostPort = string;

export interface NodeState {
  node: string;
  /** Process running (it may still be paused). */
  running: boolean;
  paused: boolean;
  /** Whatever the node reports about itself (JIT Paxos: status, view, primary, log length...). */
  status?: Record<string, unknown>;
  /** The node is rebuilding state it lost from its peers (systems with capability "loseDisk" say so). */
  recovering?: boolean;
  error?: string;
}

export interface Db {
  /** A short name for reports, e.g. "jitpaxos". */
  readonly name: string;
  readonly nodes: readonly string[];
  /** Pick each node's listen address, before the network (proxies) is built around them. */
  plan(dir: string): Promise<Record<string, HostPort>>;
  /** Start every node. `peers[a][b]` is the address node a must dial to reach node b. */
  setup(peers: Record<string, Record<string, HostPort>>): Promise<void>;
  /** Stop every node for good (graceful, then SIGKILL), whatever state it is in. */
  teardown(): Promise<void>;
  start(node: string): Promise<void>;
  /** SIGKILL; the node's durable state stays. */
  kill(node: string): Promise<void>;
  /**
   * Destroy a stopped node's durable state as a failed disk would, leaving what tells it so at its next start,
   * so that it rebuilds that state from its peers (capability "loseDisk").
   */
  loseDisk?(node: string): Promise<void>;
  /** SIGSTOP / SIGCONT (capability "pause"). */
  pause?(node: string): Promise<void>;
  resume?(node: string): Promise<void>;
  state(node: string): Promise<NodeState>;
  /** The cluster's current leader, if the system has one and a node knows it (capability "primary"). */
  primary?(): Promise<string | null>;
  /**
   * A dump of a node's log for the checkers (taken-at time in ns since the run started), or null (capability
   * "logDump"). Unless `whole` is asked for, it may carry only what follows the previous dump this db gave of
   * the node (a LogSuffix, checkers/dump-stream.ts), so that a long log is not sent again and again; a db is
   * free to always answer whole.
   */
  logDump?(node: string, opts?: { whole?: boolean }): Promise<unknown | null>;
  /** OS pid of a running node (for tests and the report). */
  pid(node: string): number | undefined;
  /** Extra environment for a node's process (the clock nemesis sets libfaketime here). Applied at (re)start (capability "env"). */
  setEnv?(node: string, env: Record<string, string>): void;
}

/** An operation as the workload asks for it. */
export interface ClientOp {
  f: string;
  key?: string;
  value: unknown;
}

export type ClientOutcome =
  | { type: 'ok'; value: unknown; commit?: CommitMeta }
  | { type: 'fail'; error: string; commit?: CommitMeta }
  | { type: 'info'; error: string };

export interface DbClient {
  /**
   * Get ready for the first operation (Jepsen's `open!`), e.g. connect. The harness waits for every first
   * client before the main phase, so that hundreds of clients connecting at once do not time out their first
   * operations. Resolves when ready or when it stops waiting; never rejects (operations meet what is wrong).
   */
  open?(): Promise<void>;
  invoke(op: ClientOp): Promise<ClientOutcome>;
  close(): void;
}

export interface ClientOptions {
  /** The logical process this client serves; a fresh client per process. */
  process: number;
  /** Where to reach each node (through its client proxy). */
  addresses: Record<string, HostPort>;
  /** The client's clock in microseconds (skewed by the clock nemesis). */
  clock: () => number;
  /** After this long an operation is indeterminate. */
  timeoutMs: number;
}

/** A system under test: its nodes and how to make clients for it. */
export interface SystemUnderTest {
  db: Db;
  client(opts: ClientOptions): DbClient;
  /** What the record of a run should say about the system (mode, flaws, fsync...). */
  describe(): Record<string, unknown>;
}

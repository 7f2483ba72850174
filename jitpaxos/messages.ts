/**
 * Every message of the JIT Paxos wire protocol (see PROTOCOL.md for framing).
 * Names and fields follow the TLA+ spec; fields the spec lacks are marked "(runnable)".
 */

export type ReplicaId = string;
export type ClientId = string;

/** A key-value operation carried by a log entry. */
export type KvOp =
  | { f: 'read'; key: string }
  | { f: 'write'; key: string; value: string }
  | { f: 'cas'; key: string; expected: string | null; value: string };

/** One log entry: the spec's {value, timestamp}, plus the request identity (runnable). */
export interface Entry {
  /** Client timestamp in microseconds. */
  ts: number;
  client: ClientId;
  req: number;
  op: KvOp;
}

/** The result of applying an operation at its log position. */
export interface OpResult {
  /** read: value read; write: null; cas: value before. */
  value: string | null;
  /** cas: whether it applied; read / write: true. */
  applied: boolean;
}

export interface ClientRequest {
  type: 'ClientRequest';
  client: ClientId;
  viewID: number;
  reqID: number;
  ts: number;
  /** The timestamp of this request's first attempt. Every attempt is stamped later (a client's stamps only
   * grow), and a fixed-mode replica appends an attempt only within `requestLifetimeMs` of it: that bound is
   * what lets replicas forget a client's last compacted request (DESIGN §2.9). */
  born: number;
  op: KvOp;
}

/** Reply to a ClientRequest (the spec's MClientReply) or a ReconcileRequest (MReconcileReply). */
export interface ClientReply {
  type: 'ClientReply' | 'ReconcileReply';
  src: ReplicaId;
  client: ClientId;
  reqID: number;
  /** The view of the request this answers (the spec's m.req.viewID). */
  reqViewID: number;
  viewID: number;
  succeeded: boolean;
  index: number;
  checksum: string;
  ts: number;
  /** Request identity of the entry at `index`, when there is one (runnable). */
  entryClient?: ClientId;
  entryReq?: number;
  /** Result of the operation at `index`, computed by the primary (runnable). */
  result?: OpResult;
  /** Timestamp of the last log entry, so that a lagging client clock can catch up (runnable). */
  lastTs?: number;
  /** A read answered from the primary's local state without a commit (the `local-reads` flaw). */
  localRead?: boolean;
  /** Fixed mode: how long the replica kept the request (microseconds): the hold before handling it, and in
   * the runtime the wait for its log to be durable, so that the client's delay estimate measures the network. */
  heldUs?: number;
  /** Fixed mode: how far the request's timestamp was ahead of the replica's clock when it arrived
   * (microseconds; negative: it arrived after it). The client's lead is how early a request must leave to
   * arrive before its timestamp: the one-way delay and the clocks' offset together (DESIGN §2.8). */
  aheadUs?: number;
}

export interface ReconcileRequest {
  type: 'ReconcileRequest';
  client: ClientId;
  viewID: number;
  reqID: number;
  reqViewID: number;
  index: number;
}

export interface RepairRequest {
  type: 'RepairRequest';
  src: ReplicaId;
  viewID: number;
  index: number;
  /** The requester's syncIndex: it already holds the primary's prefix up to here (fixed mode). */
  from: number;
  /** The reconcile being served, echoed back so the reply can answer the client. */
  client: ClientId;
  reqID: number;
  reqViewID: number;
}

export interface RepairReply {
  type: 'RepairReply';
  src: ReplicaId;
  viewID: number;
  index: number;
  /** `log` holds the primary's entries from index `from + 1` on (seed: from = 0 and log = prefix to index). */
  from: number;
  log: Entry[];
  /** Fixed mode: the primary's prefix checksum at `from`, sent when `from` is past the requested one (the
   * primary compacted what was asked for: DESIGN §2.9). */
  base?: string;
  client: ClientId;
  reqID: number;
  reqViewID: number;
}

export interface ViewChange {
  type: 'ViewChange';
  src: ReplicaId;
  viewID: number;
}

/** A prefix checksum at an index: how two replicas find the prefix they share without sending it (fixed mode). */
export interface Mark {
  index: number;
  checksum: string;
}

/**
 * Fixed mode: the first `index` entries of a log, compacted (DESIGN §2.9): what the state machine and
 * deduplication need of them, and their prefix checksum, so that later entries chain on.
 */
export interface Snapshot {
  index: number;
  checksum: string;
  /** The entry at `index` (a new entry must order after it); null for the empty prefix. */
  last: Entry | null;
  /** The key-value state after entries 1..index, as [key, value] pairs. */
  kv: [string, string][];
  /**
   * Each client's last request among entries 1..index: a request at or below it is never appended again, and
   * that one is answered as if its entry were still there (its index, prefix checksum and result).
   */
  clients: ClientMark[];
}

/** A client's last compacted request: where it is, its prefix checksum, timestamp and result. */
export interface ClientMark {
  client: ClientId;
  req: number;
  index: number;
  checksum: string;
  ts: number;
  result: OpResult;
}

export interface ViewChangeReply {
  type: 'ViewChangeReply';
  src: ReplicaId;
  viewID: number;
  logViewID: number;
  /** Seed: the whole log. Fixed: empty; `length` and `marks` describe the log instead. */
  log: Entry[];
  /** Fixed mode: the sender's log length and prefix checksums at exponentially spaced indexes from its end. */
  length?: number;
  marks?: Mark[];
  /**
   * Fixed mode: the sender's incarnations (its own included) as it knew them when it sent this; absent if all
   * are 0. A reply from an older incarnation than one the counting primary knows of is not counted (§2.4).
   */
  incarnations?: Incarnations;
}

export interface StartView {
  type: 'StartView';
  src: ReplicaId;
  viewID: number;
  /** Seed: the whole log. Fixed: the entries after index `from` only. */
  log: Entry[];
  /** Fixed mode: `log` follows the prefix of length `from` whose checksum is `base`; the result has
   * length `length` and checksum `checksum`. A receiver whose prefix differs asks again with its marks. */
  from?: number;
  base?: string;
  length?: number;
  checksum?: string;
  /** Fixed mode: the primary's snapshot at `from`, for a receiver that lacks entries it compacted. */
  snapshot?: Snapshot;
}

/** Fixed mode: the new primary asks the replica whose log it chose for the entries it lacks. */
export interface LogRequest {
  type: 'LogRequest';
  src: ReplicaId;
  viewID: number;
  /** Send entries from + 1 .. length, if your prefix of `length` entries has checksum `checksum`. */
  from: number;
  length: number;
  checksum: string;
}

export interface LogReply {
  type: 'LogReply';
  src: ReplicaId;
  viewID: number;
  from: number;
  length: number;
  checksum: string;
  log: Entry[];
  /** The sender's prefix checksum at `from` (it may answer from its snapshot, past the `from` asked for). */
  base?: string;
  snapshot?: Snapshot;
}

/** Fixed mode: a recovering replica asks the primary of a view for its StartView, describing what it holds. */
export interface StartViewRequest {
  type: 'StartViewRequest';
  src: ReplicaId;
  viewID: number;
  marks: Mark[];
}

/**
 * Fixed mode: before moving to view `viewID`, a replica asks whether the others would follow (pre-vote).
 * `view` is the sender's current view.
 */
export interface PreVote {
  type: 'PreVote';
  src: ReplicaId;
  viewID: number;
  view: number;
}

/** Granted unless the sender still hears the primary of its view (and is not behind the asker). */
export interface PreVoteReply {
  type: 'PreVoteReply';
  src: ReplicaId;
  viewID: number;
  granted: boolean;
  /** The replier's view and whether it is Normal in it, so that a stale asker can catch up. */
  view: number;
  normal: boolean;
}

/** Primary liveness, so that a failed primary is replaced (runnable). */
export interface Heartbeat {
  type: 'Heartbeat';
  src: ReplicaId;
  viewID: number;
  /** Fixed mode: a prefix every member of the view's quorum holds identically, so it may be compacted. */
  stable?: Mark;
}

/**
 * Fixed mode: a quorum member answers its primary's heartbeat, which shows it alive (calm elections), and says
 * which prefixes it holds: its log's end and a few points before it (1, 2, 4, ... 64 entries back, and its
 * syncIndex), so that a tail that differs does not hide the rest (checkpoints). Empty while it repairs.
 */
export interface HeartbeatReply {
  type: 'HeartbeatReply';
  src: ReplicaId;
  viewID: number;
  marks: Mark[];
}

/** A replica restarting without trustworthy state asks its peers for the current view (runnable, fixed mode). */
export interface RecoveryRequest {
  type: 'RecoveryRequest';
  src: ReplicaId;
  nonce: number;
  /** The second round: the incarnation the sender will take, which the receiver reserves durably. */
  reserve?: number;
  /** The third round: the sender's new incarnation, which the receiver makes durable before it answers. */
  incarnation?: number;
}

export interface RecoveryReply {
  type: 'RecoveryReply';
  src: ReplicaId;
  nonce: number;
  viewID: number;
  status: ReplicaStatus;
  /** Present only when the sender is the Normal primary of `viewID`. */
  log?: Entry[];
  /** The sender's incarnations and reservations (each absent while empty): the first round learns from them. */
  incarnations?: Incarnations;
  reserved?: Incarnations;
  /** The second and third rounds: what the request announced, now durable at the sender. */
  reserve?: number;
  incarnation?: number;
}

/**
 * Fixed mode: how many times each replica has lost its state and recovered, as far as the holder knows (a
 * "crash vector"); a replica missing here is at 0. Durable, and only ever raised (DESIGN §2.4). The same shape
 * holds reservations: incarnations announced by a recovery that may not have finished.
 */
export type Incarnations = Record<ReplicaId, number>;

export type ReplicaStatus = 'Normal' | 'Repair' | 'ViewChange' | 'Recovering';

/** Messages a replica receives from another replica. */
export type PeerMessage =
  | RepairRequest
  | RepairReply
  | ViewChange
  | ViewChangeReply
  | StartView
  | Heartbeat
  | HeartbeatReply
  | RecoveryRequest
  | RecoveryReply
  | LogRequest
  | LogReply
  | StartViewRequest
  | PreVote
  | PreVoteReply;

/** Messages a replica receives from a client. */
export type ClientMessage = ClientRequest | ReconcileRequest;

export type Message = PeerMessage | ClientMessage | ClientReply;

export const PEER_MESSAGE_TYPES = [
  'RepairRequest',
  'RepairReply',
  'ViewChange',
  'ViewChangeReply',
  'StartView',
  'Heartbeat',
  'HeartbeatReply',
  'RecoveryRequest',
  'RecoveryReply',
  'LogRequest',
  'LogReply',
  'StartViewRequest',
  'PreVote',
  'PreVoteReply',
] as const;
export const CLIENT_MESSAGE_TYPES = ['ClientRequest', 'ReconcileRequest'] as const;
export const REPLY_MESSAGE_TYPES = ['ClientReply', 'ReconcileReply'] as const;

/**
 * What the I/O-free core asks the world to do. The runtime (replica process, client library or a
 * deterministic simulator) carries these out; the core never touches sockets, clocks, timers or disk.
 *
 * Ordering contract for a replica: every `persist` effect produced while handling a batch of events must
 * be durable before any `send` / `reply` effect of that batch leaves the process.
 */
import type {
  ClientId,
  ClientReply,
  Entry,
  Incarnations,
  PeerMessage,
  ReplicaId,
  ReplicaStatus,
  Snapshot,
} from './messages.js';

/** A replica's durable state: what a store replays its records to, and what a replica restarts from. */
export interface DurableState {
  view: number;
  status: ReplicaStatus;
  logViewID: number;
  syncIndex: number;
  /** Fixed mode: the replicas' incarnations and reservations as this one knows them (DESIGN §2.4); absent while empty. */
  incarnations?: Incarnations;
  reserved?: Incarnations;
  /** The entries after the snapshot (all of them without one). */
  log: Entry[];
  snapshot?: Snapshot | null;
}

export type DurableMeta = Omit<DurableState, 'log' | 'snapshot'>;

/**
 * A durable state change, replayed in order on restart. Lengths are absolute (they count compacted entries).
 * `snapshot` replaces the log's first `snapshot.index` entries by the snapshot (a checkpoint: the entries after
 * it stay), or with `install` replaces the whole log by it (a transfer: entries follow in `append` records);
 * a store rewrites its file from it, so that what lies behind a snapshot is gone from disk too.
 */
export type PersistRecord =
  | { t: 'append'; entries: Entry[] }
  | { t: 'truncate'; length: number }
  | { t: 'snapshot'; snapshot: Snapshot; install?: boolean }
  | ({ t: 'meta' } & DurableMeta);

/** `hold` (fixed mode): the earliest held client request comes due (just-in-time ordering). */
export type ReplicaTimer = 'heartbeat' | 'election' | 'stuck' | 'recovery' | 'hold';

/** Something worth telling the operator and the report: view changes, status changes, repairs. */
export interface ReplicaNotice {
  what: 'status' | 'view' | 'repair' | 'start-view' | 'recovered' | 'dropped' | 'snapshot';
  detail: string;
}

export type ReplicaEffect =
  | { kind: 'send'; to: ReplicaId; msg: PeerMessage }
  | { kind: 'reply'; client: ClientId; msg: ClientReply }
  | { kind: 'persist'; record: PersistRecord }
  /** Start (or restart) a timer; `ms: null` cancels it. */
  | { kind: 'timer'; name: ReplicaTimer; ms: number | null }
  | { kind: 'notice'; notice: ReplicaNotice };

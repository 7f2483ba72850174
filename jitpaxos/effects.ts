/**
 * What the I/O-free core asks the world to do. The runtime (replica process, client library or a
 * deterministic simulator) carries these out; the core never touches sockets, clocks, timers or disk.
 *
 * Ordering contract for a replica: every `persist` effect produced while handling a batch of events must
 * be durable before any `send` / `reply` effect of that batch leaves the process.
 */
import type { ClientId, ClientReply, Entry, PeerMessage, ReplicaId, ReplicaStatus } from './messages.js';

/** A durable state change, replayed in order on restart. */
export type PersistRecord =
  | { t: 'append'; entries: Entry[] }
  | { t: 'truncate'; length: number }
  | { t: 'meta'; view: number; status: ReplicaStatus; logViewID: number; syncIndex: number };

/** `hold` (fixed mode): the earliest held client request comes due (just-in-time ordering). */
export type ReplicaTimer = 'heartbeat' | 'election' | 'stuck' | 'recovery' | 'hold';

/** Something worth telling the operator and the report: view changes, status changes, repairs. */
export interface ReplicaNotice {
  what: 'status' | 'view' | 'repair' | 'start-view' | 'recovered' | 'dropped';
  detail: string;
}

export type ReplicaEffect =
  | { kind: 'send'; to: ReplicaId; msg: PeerMessage }
  | { kind: 'reply'; client: ClientId; msg: ClientReply }
  | { kind: 'persist'; record: PersistRecord }
  /** Start (or restart) a timer; `ms: null` cancels it. */
  | { kind: 'timer'; name: ReplicaTimer; ms: number | null }
  | { kind: 'notice'; notice: ReplicaNotice };

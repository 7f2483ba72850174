/**
 * The JIT Paxos replica as an I/O-free state machine: step(config, state, event) -> { state, effects }.
 * Handlers carry the spec's action names. Every deviation from the seed is behind a flaw switch
 * (config.ts); DESIGN.md argues why the fixed behaviour is safe.
 *
 * For speed the step updates the state it is given and returns it (logs can hold 10^5 entries);
 * a simulator that needs to branch clones the state first (cloneReplica).
 */
import { checksums, EMPTY_CHECKSUM, nextChecksum } from './checksum.js';
import { compareIds, type Flaw, lifetimeUs, type ProtocolConfig, withinLifetime } from './config.js';
import type { DurableState, PersistRecord, ReplicaEffect, ReplicaNotice, ReplicaTimer } from './effects.js';
import { applyOp, type KvState } from './kv.js';
import type {
  ClientMark,
  ClientMessage,
  ClientReply,
  ClientRequest,
  Entry,
  Heartbeat,
  HeartbeatReply,
  Incarnations,
  LogReply,
  LogRequest,
  Mark,
  OpResult,
  PeerMessage,
  PreVote,
  PreVoteReply,
  ReconcileRequest,
  RecoveryReply,
  RecoveryRequest,
  RepairReply,
  RepairRequest,
  ReplicaId,
  ReplicaStatus,
  Snapshot,
  StartView,
  StartViewRequest,
  ViewChange,
  ViewChangeReply,
} from './messages.js';
import { inQuorum, isMajority, isQuorumSeed, nextView, primary, quorum } from './quorum.js';

export interface ReplicaState {
  id: ReplicaId;
  status: ReplicaStatus;
  view: number;
  /**
   * The entries after the snapshot: log[k] is entry `base + k + 1`. Use logLength / entryAt / hashAt for
   * absolute indexes (fixed mode compacts; DESIGN §2.9). Without a snapshot, base is 0 and log is all of it.
   */
  log: Entry[];
  /** hashes[k] = checksum of the first base + k entries; kept in step with the log. */
  hashes: string[];
  /** Entries 1..base are compacted into `snapshot`. */
  base: number;
  snapshot: Snapshot | null;
  /** Each client's last request among the compacted entries (deduplication past the snapshot). */
  done: Map<string, ClientMark>;
  /** Fixed mode, primary: how far each quorum member said it holds our log, in this view. */
  acks: Map<ReplicaId, number>;
  /** Fixed mode, primary: the longest prefix every member of this view's quorum holds identically. */
  stable: Mark | null;
  syncIndex: number;
  logViewID: number;
  /** Fixed mode, durable: each replica's incarnation as far as this one knows (DESIGN §2.4); absent means 0. */
  incarnations: Incarnations;
  /** Fixed mode, durable: incarnations announced by recoveries, finished or not: a new one must pass them. */
  reserved: Incarnations;
  /** Request identity -> 1-based index, for deduplication (fixed mode). */
  ids: Map<string, number>;
  /** View-change replies collected for the current view, in arrival order. */
  vcReplies: ViewChangeReply[];
  /** The key-value state after applying entries 1..applied (applied >= base), and each applied live entry's result. */
  kv: KvState;
  applied: number;
  results: OpResult[];
  /** Reconciles waiting for the outstanding repair (fixed mode answers all of them). */
  pendingReconciles: ReconcileRequest[];
  /**
   * Set while Recovering: the probe nonce, the round (1: learn the incarnations, 2: reserve ours, 3: take it;
   * DESIGN §2.4), the new incarnation from round 2 on, replies to the current round, the view floor once a
   * majority answered round 3, the newest view heard of since (a hint for the next prompt, kept out of `view`: the replica may yet rejoin
   * through an older view than it heard of, and its view never goes back), and the last view whose StartView
   * it asked its primary for.
   */
  recovery: {
    nonce: number;
    round: 1 | 2 | 3;
    incarnation: number;
    replies: Map<ReplicaId, RecoveryReply>;
    floor: number | null;
    seen: number;
    asked: number;
  } | null;
  /** Fixed mode: seeded random source for election timeouts (the core never calls Math.random). */
  rng: number;
  /** Fixed mode: heard from its view's primary since its election timer last fired (denies pre-votes). */
  primaryHeard: boolean;
  /** Fixed mode, at a primary: heartbeats sent since each other quorum member last answered one. */
  quorumSilence: Map<ReplicaId, number>;
  /** Fixed mode, at a primary: a client request of this view arrived since the last heartbeat (askIfUnserved). */
  demand: boolean;
  /** Fixed mode, at a primary: heartbeats since clients first asked to commit while a quorum member was silent. */
  unserved: number;
  /** Fixed mode: view changes in a row that did not finish; the stuck timer backs off with it. */
  failedViewChanges: number;
  /** Fixed mode: the pre-vote in progress: the view asked for and who granted it. */
  preVote: { view: number; grants: Set<ReplicaId> } | null;
  /** Fixed mode: the new primary waiting for the entries of the chosen log that it lacks. */
  vcFetch: { view: number; src: ReplicaId; from: number; length: number; checksum: string } | null;
  /** Fixed mode: client requests stamped ahead of this replica's clock, in entry order, until it passes them. */
  held: { m: ClientRequest; at: number }[];
  /** Fixed mode: client requests of this view that arrived during a repair, in entry order, handled after it. */
  deferred: ClientRequest[];
  /**
   * How far an outside reader of the log (the harness's dumps) last read it: compaction keeps what the reader
   * has not seen yet, within a bound (DESIGN §2.9, Dumps). Not durable, not part of the protocol.
   */
  readerAt: number | null;
}

/**
 * `now` is the replica's clock (microseconds, the clients' timestamp scale) when the runtime or simulator
 * supplies it: fixed mode then holds requests stamped ahead of it (just in time). Without it, no hold.
 */
export type ReplicaEvent =
  | { kind: 'start'; nonce: number }
  | { kind: 'peer'; msg: PeerMessage }
  | { kind: 'client'; msg: ClientMessage; now?: number }
  | { kind: 'timer'; name: ReplicaTimer; now?: number };

export interface StepResult {
  state: ReplicaState;
  effects: ReplicaEffect[];
}

/** An outside reader (the harness's log dumps) has read the log up to `index`: see `readerAt`. */
export function readerSaw(s: ReplicaState, index: number): void {
  s.readerAt = index;
}

export function idKey(client: string, req: number): string {
  return `${client}\u0000${req}`;
}

/** A brand-new replica of a brand-new cluster: the spec's Init. */
export function initialReplica(id: ReplicaId): ReplicaState {
  return restoreReplica(id, { view: 1, status: 'Normal', logViewID: 1, syncIndex: 0, log: [] });
}

export function restoreReplica(id: ReplicaId, d: DurableState): ReplicaState {
  const snap = d.snapshot ?? null;
  const base = snap?.index ?? 0;
  const ids = new Map<string, number>();
  for (let i = 0; i < d.log.length; i++) ids.set(idKey(d.log[i]!.client, d.log[i]!.req), base + i + 1);
  return {
    id,
    status: d.status,
    view: d.view,
    log: d.log.slice(),
    hashes: chainFrom(snap?.checksum ?? EMPTY_CHECKSUM, d.log),
    base,
    snapshot: snap,
    done: new Map((snap?.clients ?? []).map((c) => [c.client, c])),
    acks: new Map(),
    stable: null,
    syncIndex: Math.max(base, Math.min(d.syncIndex, base + d.log.length)),
    logViewID: d.logViewID,
    incarnations: { ...d.incarnations },
    reserved: { ...d.reserved },
    ids,
    vcReplies: [],
    kv: new Map(snap?.kv ?? []),
    applied: base,
    results: [],
    pendingReconciles: [],
    recovery: null,
    rng: seedFor(id),
    primaryHeard: false,
    quorumSilence: new Map(),
    demand: false,
    unserved: 0,
    failedViewChanges: 0,
    preVote: null,
    vcFetch: null,
    held: [],
    deferred: [],
    readerAt: null,
  };
}

/** A per-replica starting seed (FNV-1a of the id), mixed with the start nonce. */
function seedFor(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

/** A replica whose durable state cannot be trusted: it holds nothing and votes for nothing until it rejoins. */
export function recoveringReplica(id: ReplicaId): ReplicaState {
  return restoreReplica(id, { view: 0, status: 'Recovering', logViewID: 0, syncIndex: 0, log: [] });
}

export function durableState(s: ReplicaState): DurableState {
  return {
    view: s.view,
    status: s.status,
    logViewID: s.logViewID,
    syncIndex: s.syncIndex,
    ...vectorFields(s),
    log: s.log,
    snapshot: s.snapshot,
  };
}

/** `{ incarnations }` for a record or message, or nothing while every incarnation is 0 (the common case). */
function incarnationsField(s: ReplicaState): { incarnations?: Incarnations } {
  return Object.keys(s.incarnations).length > 0 ? { incarnations: { ...s.incarnations } } : {};
}

/** Incarnations and reservations, each left out while empty. */
function vectorFields(s: ReplicaState): { incarnations?: Incarnations; reserved?: Incarnations } {
  return {
    ...incarnationsField(s),
    ...(Object.keys(s.reserved).length > 0 ? { reserved: { ...s.reserved } } : {}),
  };
}

/** The log's length, compacted entries included. */
export function logLength(s: ReplicaState): number {
  return s.base + s.log.length;
}

/** The checksum of the first i entries, if this replica still knows it (i >= base). */
export function hashAt(s: ReplicaState, i: number): string | undefined {
  return i >= s.base ? s.hashes[i - s.base] : undefined;
}

/** Entry i (1-based), if held: a live entry, or the snapshot's last one. */
export function entryAt(s: ReplicaState, i: number): Entry | undefined {
  if (i > s.base) return s.log[i - s.base - 1];
  return i === s.base && i > 0 ? (s.snapshot?.last ?? undefined) : undefined;
}

/** The entries after index `from` (from >= base). */
export function entriesAfter(s: ReplicaState, from: number, to = logLength(s)): Entry[] {
  return s.log.slice(from - s.base, to - s.base);
}

/** [checksum before, after entry 1, after entry 2, ...]. */
function chainFrom(start: string, log: readonly Entry[]): string[] {
  if (start === EMPTY_CHECKSUM) return checksums(log);
  const out = [start];
  for (const e of log) out.push(nextChecksum(out[out.length - 1]!, e));
  return out;
}

export function cloneReplica(s: ReplicaState): ReplicaState {
  return {
    ...s,
    log: s.log.slice(),
    hashes: s.hashes.slice(),
    ids: new Map(s.ids),
    done: new Map(s.done),
    acks: new Map(s.acks),
    quorumSilence: new Map(s.quorumSilence),
    incarnations: { ...s.incarnations },
    reserved: { ...s.reserved },
    vcReplies: s.vcReplies.slice(),
    kv: new Map(s.kv),
    results: s.results.slice(),
    pendingReconciles: s.pendingReconciles.slice(),
    recovery: s.recovery ? { ...s.recovery, replies: new Map(s.recovery.replies) } : null,
    preVote: s.preVote ? { view: s.preVote.view, grants: new Set(s.preVote.grants) } : null,
    vcFetch: s.vcFetch ? { ...s.vcFetch } : null,
    held: s.held.slice(),
    deferred: s.deferred.slice(),
  };
}

/** Entry order in fixed mode: (timestamp, client, request), so distinct requests never tie. */
export interface EntryKey {
  ts: number;
  client: string;
  req: number;
}

export function compareEntryKeys(a: EntryKey, b: EntryKey): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  if (a.client !== b.client) return a.client < b.client ? -1 : 1;
  return a.req === b.req ? 0 : a.req < b.req ? -1 : 1;
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a.ts === b.ts && a.client === b.client && a.req === b.req);
}

/** One step's working context: the state, what it emits, and whether durable metadata changed. */
class Step {
  readonly effects: ReplicaEffect[] = [];
  /** While releasing a held request: how long it was held (microseconds), reported in its reply. */
  heldUs = 0;
  /**
   * While handling a client request that came with a clock reading (fixed mode): how far its timestamp was
   * ahead of this replica's clock when it arrived (negative: late), reported in its reply (DESIGN §2.8).
   */
  aheadUs: number | undefined = undefined;
  private metaDirty = false;
  constructor(
    readonly cfg: ProtocolConfig,
    readonly s: ReplicaState,
  ) {}

  flaw(f: Flaw): boolean {
    return this.cfg.flaws.has(f);
  }
  get n(): number {
    return this.cfg.replicas.length;
  }
  /** Fixed mode: pre-votes, randomized timeouts and backoff (DESIGN §2.6). */
  get calm(): boolean {
    return this.cfg.mode === 'fixed';
  }
  /** Fixed mode: view changes send only what the receiver lacks (DESIGN §2.7); the seed's choice needs logs. */
  get incremental(): boolean {
    return this.cfg.mode === 'fixed' && !this.flaw('view-change-choice');
  }
  /** Fixed mode without flaws: checkpoints (DESIGN §2.9). A flaw's seed code paths assume whole logs. */
  get compacting(): boolean {
    return this.incremental && this.cfg.flaws.size === 0;
  }
  /** Uniform in [0, 1), from the replica's seeded xorshift32 state. */
  random(): number {
    let r = this.s.rng;
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    this.s.rng = r >>> 0 || 1;
    return this.s.rng / 2 ** 32;
  }
  isPrimary(view = this.s.view): boolean {
    return primary(view, this.cfg.replicas) === this.s.id;
  }
  send(to: ReplicaId, msg: PeerMessage): void {
    this.effects.push({ kind: 'send', to, msg });
  }
  sendAll(msg: PeerMessage, includeSelf: boolean): void {
    for (const r of this.cfg.replicas) if (includeSelf || r !== this.s.id) this.send(r, msg);
  }
  reply(msg: ClientReply): void {
    this.effects.push({ kind: 'reply', client: msg.client, msg });
  }
  timerMs(name: ReplicaTimer, ms: number | null): void {
    this.effects.push({ kind: 'timer', name, ms });
  }
  timer(name: ReplicaTimer, on: boolean): void {
    const t = this.cfg.timing;
    let ms = name === 'heartbeat' ? t.heartbeatMs : name === 'election' ? t.electionMs : t.stuckMs;
    if (on && this.calm) {
      // Randomized so that replicas rarely time out together; the stuck timer doubles per failed view
      // change (capped at 4x) so that a slow view change gets the time it needs.
      if (name === 'election') ms = Math.round(ms * (1 + this.random()));
      else if (name === 'stuck')
        ms = Math.round(ms * 2 ** Math.min(this.s.failedViewChanges, 2) * (1 + this.random() / 2));
    }
    this.effects.push({ kind: 'timer', name, ms: on ? ms : null });
  }
  notice(what: ReplicaNotice['what'], detail: string): void {
    this.effects.push({ kind: 'notice', notice: { what, detail } });
  }
  persist(record: PersistRecord): void {
    this.effects.push({ kind: 'persist', record });
  }
  setStatus(status: ReplicaStatus): void {
    if (this.s.status !== status) {
      this.notice('status', `${this.s.status} -> ${status} in view ${this.s.view}`);
      this.s.status = status;
      this.metaDirty = true;
    }
  }
  setView(view: number): void {
    if (this.s.view !== view) {
      this.notice('view', `${this.s.view} -> ${view}`);
      this.s.view = view;
      this.metaDirty = true;
    }
  }
  /** Learn that replica `id` is in incarnation `n` (or a later one); durable with the next meta record. */
  raiseIncarnation(id: ReplicaId, n: number): void {
    this.raise('incarnations', id, n);
  }
  /** Learn that replica `id` announced incarnation `n`; durable with the next meta record. */
  reserveIncarnation(id: ReplicaId, n: number): void {
    this.raise('reserved', id, n);
  }
  private raise(which: 'incarnations' | 'reserved', id: ReplicaId, n: number): void {
    if ((this.s[which][id] ?? 0) >= n) return;
    this.s[which] = { ...this.s[which], [id]: n };
    this.metaDirty = true;
  }
  setSync(syncIndex: number, logViewID = this.s.logViewID): void {
    if (this.s.syncIndex !== syncIndex || this.s.logViewID !== logViewID) {
      this.s.syncIndex = syncIndex;
      this.s.logViewID = logViewID;
      this.metaDirty = true;
    }
  }

  append(e: Entry): void {
    const s = this.s;
    s.log.push(e);
    s.hashes.push(nextChecksum(s.hashes[s.hashes.length - 1]!, e));
    s.ids.set(idKey(e.client, e.req), logLength(s));
    this.persist({ t: 'append', entries: [e] });
  }

  /**
   * Make the log `log[1..keep] ++ tail`, touching (and persisting) only what differs. `keep` is never below
   * the snapshot: a compacted prefix is held by every later log (DESIGN §2.9), and callers check it.
   */
  replaceFrom(keep: number, tail: readonly Entry[]): void {
    const s = this.s;
    if (keep < s.base) throw new Error(`replaceFrom(${keep}) below the snapshot at ${s.base}`);
    const len = logLength(s);
    let common = keep;
    while (
      common < len &&
      common - keep < tail.length &&
      sameEntry(entryAt(s, common + 1)!, tail[common - keep]!)
    ) {
      common++;
    }
    if (common < len) {
      for (let i = common + 1; i <= len; i++) {
        const e = entryAt(s, i)!;
        const key = idKey(e.client, e.req);
        if (s.ids.get(key) === i) s.ids.delete(key);
      }
      s.log.length = common - s.base;
      s.hashes.length = common - s.base + 1;
      if (s.applied > common) {
        // The state machine cannot run backwards: replay from the snapshot when next needed.
        s.kv = new Map(s.snapshot?.kv ?? []);
        s.applied = s.base;
        s.results = [];
      }
      this.persist({ t: 'truncate', length: common });
    }
    const rest = tail.slice(common - keep);
    if (rest.length > 0) {
      for (const e of rest) {
        s.log.push(e);
        s.hashes.push(nextChecksum(s.hashes[s.hashes.length - 1]!, e));
        s.ids.set(idKey(e.client, e.req), logLength(s));
      }
      this.persist({ t: 'append', entries: rest });
    }
  }

  /** The result of entry `index`; only live entries have one (a compacted entry's client was answered long ago). */
  resultAt(index: number): OpResult | undefined {
    const s = this.s;
    if (index <= s.base || index > logLength(s)) return undefined;
    while (s.applied < index) {
      s.results.push(applyOp(s.kv, s.log[s.applied - s.base]!.op));
      s.applied++;
    }
    return s.results[index - s.base - 1];
  }

  finish(): StepResult {
    const s = this.s;
    if (this.metaDirty) {
      this.persist({
        t: 'meta',
        view: s.view,
        status: s.status,
        logViewID: s.logViewID,
        syncIndex: s.syncIndex,
        ...vectorFields(s),
      });
    }
    return { state: s, effects: this.effects };
  }
}

export function step(cfg: ProtocolConfig, state: ReplicaState, event: ReplicaEvent): StepResult {
  const x = new Step(cfg, state);
  switch (event.kind) {
    case 'start':
      onStart(x, event.nonce);
      break;
    case 'timer':
      if (event.now !== undefined) releaseHeld(x, event.now);
      // Fired without a clock reading: the earliest held request is due, by the timer's definition.
      else if (event.name === 'hold' && state.held[0]) releaseHeld(x, state.held[0].m.ts);
      onTimer(x, event.name);
      break;
    case 'client':
      if (event.now !== undefined) releaseHeld(x, event.now);
      if (event.msg.type === 'ClientRequest') {
        if (event.now === undefined || !hold(x, event.msg, event.now)) {
          if (event.now !== undefined) x.aheadUs = Math.round(event.msg.ts - event.now);
          handleClientRequest(x, event.msg);
          x.aheadUs = undefined;
        }
      } else handleReconcileRequest(x, event.msg);
      break;
    case 'peer':
      handlePeer(x, event.msg);
      break;
  }
  return x.finish();
}

function handlePeer(x: Step, m: PeerMessage): void {
  switch (m.type) {
    case 'RepairRequest':
      handleRepairRequest(x, m);
      return;
    case 'RepairReply':
      handleRepairReply(x, m);
      return;
    case 'ViewChange':
      handleViewChange(x, m);
      return;
    case 'ViewChangeReply':
      handleViewChangeReply(x, m);
      return;
    case 'StartView':
      handleStartView(x, m);
      return;
    case 'Heartbeat':
      handleHeartbeat(x, m);
      return;
    case 'HeartbeatReply':
      handleHeartbeatReply(x, m);
      return;
    case 'RecoveryRequest':
      handleRecoveryRequest(x, m);
      return;
    case 'RecoveryReply':
      handleRecoveryReply(x, m);
      return;
    case 'LogRequest':
      handleLogRequest(x, m);
      return;
    case 'LogReply':
      handleLogReply(x, m);
      return;
    case 'StartViewRequest':
      handleStartViewRequest(x, m);
      return;
    case 'PreVote':
      handlePreVote(x, m);
      return;
    case 'PreVoteReply':
      handlePreVoteReply(x, m);
      return;
  }
}

/** Arm the timers that fit the current status and role. */
function armTimers(x: Step): void {
  const s = x.s;
  if (s.status === 'Normal') {
    x.timer('stuck', false);
    if (x.isPrimary()) {
      x.timer('heartbeat', true);
      x.timer('election', false);
    } else {
      x.timer('heartbeat', false);
      x.timer('election', true);
    }
  } else {
    x.timer('heartbeat', false);
    x.timer('election', false);
    x.timer('stuck', true);
  }
}

function onStart(x: Step, nonce: number): void {
  x.s.rng = (x.s.rng ^ Math.imul(nonce | 0, 0x9e3779b1)) >>> 0 || 1;
  if (x.s.status === 'Recovering') {
    startRecovery(x, nonce);
    return;
  }
  armTimers(x);
}

function onTimer(x: Step, name: ReplicaTimer): void {
  const s = x.s;
  switch (name) {
    case 'heartbeat':
      if (s.status === 'Normal' && x.isPrimary()) {
        updateStable(x);
        const hb: Heartbeat = { type: 'Heartbeat', src: s.id, viewID: s.view };
        if (s.stable) hb.stable = s.stable;
        x.sendAll(hb, false);
        if (x.calm) {
          for (const r of quorum(s.view, x.cfg.replicas))
            if (r !== s.id) s.quorumSilence.set(r, (s.quorumSilence.get(r) ?? 0) + 1);
          askIfUnserved(x);
        }
        x.timer('heartbeat', true);
      }
      return;
    case 'election':
      // A backup that heard nothing from its primary for a while replaces it (fixed: if a majority agrees).
      if (s.status === 'Normal' && !x.isPrimary()) {
        if (!x.calm) {
          changeView(x);
          return;
        }
        s.primaryHeard = false;
        startPreVote(x, [primary(s.view, x.cfg.replicas)]);
        x.timer('election', true);
      }
      return;
    case 'stuck':
      if (s.status === 'ViewChange' || s.status === 'Repair') {
        if (!x.calm) changeView(x);
        else if (s.status === 'Repair') {
          // The repair reply may have been lost: ask again; if the primary is gone, the others move on.
          const p = s.pendingReconciles[0];
          if (!p) {
            x.setStatus('Normal');
            armTimers(x);
            releaseDeferred(x);
            return;
          }
          sendRepairRequest(x, p);
          startPreVote(x, [primary(s.view, x.cfg.replicas)]);
        } else {
          s.failedViewChanges++;
          // A lost reply is the cheapest thing to retry; the next view needs a majority's consent.
          sendViewChangeReply(x);
          // The new primary never answered with StartView (unless it is us, short of replies).
          const p = primary(s.view, x.cfg.replicas);
          startPreVote(x, p === s.id ? [] : [p]);
        }
        x.timer('stuck', true);
      }
      return;
    case 'hold':
      return; // releaseHeld ran before
    case 'recovery':
      if (s.status === 'Recovering' && s.recovery) {
        // Until a majority answered, ask again; after, prompt a view past everything seen so far.
        if (s.recovery.floor === null) sendRecoveryRequests(x);
        else promptViewChangeAfter(x, Math.max(s.recovery.floor, s.recovery.seen));
        x.timer('recovery', true);
      }
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Just in time (fixed mode): a request stamped ahead of this replica's clock waits until the clock
// passes its timestamp, so that requests that crossed on the way are appended in timestamp order.

/** Keep `m` for later if it is due within the bound; false: handle it now. */
function hold(x: Step, m: ClientRequest, now: number): boolean {
  const s = x.s;
  if (!x.calm || x.flaw('clock-skew') || s.status !== 'Normal' || m.viewID !== s.view) return false;
  const ahead = m.ts - now;
  // Bounded: a far-ahead clock (or the hybrid clock's catch-up) is handled at once, as without the hold.
  if (ahead <= 0 || ahead > x.cfg.timing.maxHoldMs * 1000 || s.held.length >= 10_000) return false;
  let i = s.held.length;
  while (i > 0 && compareEntryKeys(keyOf(s.held[i - 1]!.m), keyOf(m)) > 0) i--;
  s.held.splice(i, 0, { m, at: now });
  if (i === 0) x.timerMs('hold', Math.max(1, Math.ceil(ahead / 1000)));
  return true;
}

function keyOf(m: ClientRequest): EntryKey {
  return { ts: m.ts, client: m.client, req: m.reqID };
}

/** Handle, in timestamp order, every held request whose time has come; re-arm for the next one. */
function releaseHeld(x: Step, now: number): void {
  const s = x.s;
  if (s.held.length === 0) return;
  let n = 0;
  while (n < s.held.length && s.held[n]!.m.ts <= now) n++;
  if (n === 0) return;
  const due = s.held.splice(0, n);
  for (const h of due) {
    x.heldUs = Math.max(0, Math.round(now - h.at));
    x.aheadUs = Math.round(h.m.ts - h.at);
    handleClientRequest(x, h.m);
  }
  x.heldUs = 0;
  x.aheadUs = undefined;
  const next = s.held[0];
  x.timerMs('hold', next ? Math.max(1, Math.ceil((next.m.ts - now) / 1000)) : null);
}

// ---------------------------------------------------------------------------------------------
// Normal case

function reply(
  x: Step,
  type: 'ClientReply' | 'ReconcileReply',
  m: { client: string; reqID: number; viewID: number },
  succeeded: boolean,
  index: number,
  checksum = hashAt(x.s, index),
): void {
  const s = x.s;
  // Below the snapshot the prefix checksum is gone: such a reply can only say no.
  if (checksum === undefined) succeeded = false;
  const entry = index >= 1 ? entryAt(s, index) : undefined;
  const msg: ClientReply = {
    type,
    src: s.id,
    client: m.client,
    reqID: m.reqID,
    reqViewID: m.viewID,
    viewID: s.view,
    succeeded,
    index,
    checksum: checksum ?? EMPTY_CHECKSUM,
    ts: entry?.ts ?? 0,
    lastTs: entryAt(s, logLength(s))?.ts ?? 0,
  };
  if (entry) {
    msg.entryClient = entry.client;
    msg.entryReq = entry.req;
  }
  if (x.heldUs > 0 && type === 'ClientReply') msg.heldUs = x.heldUs;
  if (x.aheadUs !== undefined && x.calm && type === 'ClientReply') msg.aheadUs = x.aheadUs;
  // Results are computed at the primary from the log prefix and returned with the commit.
  if (succeeded && entry && x.isPrimary()) {
    const r = x.resultAt(index);
    if (r) msg.result = r;
  }
  x.reply(msg);
}

/** A resend of a client's last compacted request: its entry's index, prefix checksum and result, as recorded. */
function replyCompacted(x: Step, m: ClientRequest, c: ClientMark): void {
  const s = x.s;
  const msg: ClientReply = {
    type: 'ClientReply',
    src: s.id,
    client: m.client,
    reqID: m.reqID,
    reqViewID: m.viewID,
    viewID: s.view,
    succeeded: true,
    index: c.index,
    checksum: c.checksum,
    ts: c.ts,
    lastTs: entryAt(s, logLength(s))?.ts ?? 0,
    entryClient: c.client,
    entryReq: c.req,
  };
  if (x.isPrimary()) msg.result = c.result;
  x.reply(msg);
}

/** The spec's HandleClientRequest. */
export function handleClientRequest(x: Step, m: ClientRequest): void {
  const s = x.s;
  if (s.status === 'Repair' && x.calm && m.viewID === s.view) {
    deferDuringRepair(x, m);
    return;
  }
  if (s.status !== 'Normal') return;
  if (m.viewID === s.view && x.calm && x.isPrimary()) s.demand = true;
  if (m.viewID === s.view) {
    if (m.op.f === 'read' && x.flaw('local-reads')) {
      // The flaw: the primary answers from whatever it has applied, committed or not, current or deposed.
      if (!x.isPrimary()) return;
      x.resultAt(logLength(s));
      const value = s.kv.get(m.op.key) ?? null;
      x.reply({
        type: 'ClientReply',
        src: s.id,
        client: m.client,
        reqID: m.reqID,
        reqViewID: m.viewID,
        viewID: s.view,
        succeeded: true,
        index: logLength(s),
        checksum: s.hashes[s.hashes.length - 1]!,
        ts: m.ts,
        result: { value, applied: true },
        localRead: true,
      });
      return;
    }
    const entry: Entry = { ts: m.ts, client: m.client, req: m.reqID, op: m.op };
    const last = entryAt(s, logLength(s));
    if (x.flaw('timestamp-tie')) {
      const lastTs = last?.ts ?? 0;
      if (m.ts > lastTs) {
        x.append(entry);
        reply(x, 'ClientReply', m, true, logLength(s));
      } else if (m.ts === lastTs) {
        // The seed's duplicate rule: success at the current length, whatever request is there.
        reply(x, 'ClientReply', m, true, logLength(s));
      } else {
        reply(x, 'ClientReply', m, false, logLength(s));
      }
      return;
    }
    // Fixed: a duplicate is the same request id, answered at the index where it already is.
    const at = s.ids.get(idKey(m.client, m.reqID));
    if (at !== undefined) {
      reply(x, 'ClientReply', m, true, at);
      return;
    }
    // A request at or below the client's last compacted one is in the snapshot (or was given up on):
    // appending it again would apply it twice. That last one is answered as if its entry were still here.
    const done = s.done.get(m.client);
    if (done && done.req === m.reqID) {
      replyCompacted(x, m, done);
      return;
    }
    // Only within the request's lifetime: what lets compaction forget old clients (DESIGN §2.9).
    const live = withinLifetime(x.cfg.timing, m.born, m.ts);
    if (live && (done?.req ?? 0) < m.reqID && (!last || compareEntryKeys(entry, last) > 0)) {
      x.append(entry);
      reply(x, 'ClientReply', m, true, logLength(s));
    } else {
      reply(x, 'ClientReply', m, false, logLength(s));
    }
    return;
  }
  if (m.viewID > s.view) {
    // The reply carries the old view; the replica joins the client's view change.
    reply(x, 'ClientReply', m, false, logLength(s));
    enterViewChange(x, m.viewID);
    return;
  }
  reply(x, 'ClientReply', m, false, logLength(s));
}

/** The spec's HandleReconcileRequest. */
export function handleReconcileRequest(x: Step, m: ReconcileRequest): void {
  const s = x.s;
  if (s.view !== m.viewID) return;
  const fixed = !x.flaw('misdirected-reconcile');
  if (s.status === 'Repair' && fixed) {
    // One repair serves every reconcile that arrives while it is outstanding.
    s.pendingReconciles.push(m);
    return;
  }
  if (s.status !== 'Normal') return;
  const isPrimary = x.isPrimary();
  // The primary's whole log is by definition in sync with itself (fixed); the seed only trusts syncIndex.
  const sync = isPrimary && fixed ? logLength(s) : s.syncIndex;
  if (sync >= m.index && m.index <= logLength(s)) {
    reply(x, 'ReconcileReply', m, true, m.index);
    return;
  }
  if (isPrimary) return;
  x.setStatus('Repair');
  s.pendingReconciles = [m];
  sendRepairRequest(x, m);
  armTimers(x);
}

function sendRepairRequest(x: Step, m: ReconcileRequest): void {
  const s = x.s;
  x.send(primary(s.view, x.cfg.replicas), {
    type: 'RepairRequest',
    src: s.id,
    viewID: s.view,
    index: m.index,
    from: x.flaw('repair-splice') ? 0 : s.syncIndex,
    client: m.client,
    reqID: m.reqID,
    reqViewID: m.reqViewID,
  });
}

/** The spec's HandleRepairRequest: the primary sends its log. */
export function handleRepairRequest(x: Step, m: RepairRequest): void {
  const s = x.s;
  if (s.status !== 'Normal' || s.view !== m.viewID || !x.isPrimary()) return;
  if (m.index > logLength(s)) return;
  const seed = x.flaw('repair-splice');
  // Fixed: everything past the requester's synced prefix, so it catches up with all the primary has; if we
  // compacted part of that, from our snapshot on, with its checksum (the requester holds that prefix too).
  const from = seed ? 0 : Math.max(s.base, Math.min(m.from, logLength(s)));
  const log = seed ? s.log.slice(0, m.index) : entriesAfter(s, from);
  const msg: RepairReply = {
    type: 'RepairReply',
    src: s.id,
    viewID: s.view,
    index: m.index,
    from,
    log,
    client: m.client,
    reqID: m.reqID,
    reqViewID: m.reqViewID,
  };
  if (from > m.from) msg.base = hashAt(s, from)!;
  x.send(m.src, msg);
}

/** The spec's HandleRepairReply: splice the primary's prefix into the local log. */
export function handleRepairReply(x: Step, m: RepairReply): void {
  const s = x.s;
  if (s.status !== 'Repair' || s.view !== m.viewID) return;
  if (x.flaw('repair-splice')) {
    // m.log ∘ SubSeq(rLog, Len(m.log), Len(rLog)): keeps local entry Len(m.log) (a duplicate) and all after.
    const k = m.log.length;
    const tail = s.log.slice(k >= 1 ? k - 1 : 0);
    x.replaceFrom(0, m.log.concat(tail));
    x.setSync(logLength(s));
    x.setStatus('Normal');
    x.notice('repair', `seed splice: ${k} from primary + ${tail.length} local, syncIndex ${logLength(s)}`);
    const primaryChecksums = checksums(m.log);
    reply(x, 'ReconcileReply', m, true, m.index, primaryChecksums[m.index] ?? EMPTY_CHECKSUM);
    s.pendingReconciles = [];
    armTimers(x);
    releaseDeferred(x);
    return;
  }
  // Not an answer to the request we sent, unless the primary answered from its snapshot and we hold that prefix.
  if (m.from < s.base || m.from > logLength(s)) return;
  if (m.from > s.syncIndex && (m.base === undefined || hashAt(s, m.from) !== m.base)) return;
  // Fixed: take the primary's prefix, then keep only local entries that come after its last entry and
  // that it does not have: the primary only appends, so it can never commit anything else we hold.
  const base = m.log;
  const last = base.length > 0 ? base[base.length - 1]! : entryAt(s, m.from);
  const baseIds = new Set(base.map((e) => idKey(e.client, e.req)));
  const suffix = entriesAfter(s, m.from).filter(
    (e) => !baseIds.has(idKey(e.client, e.req)) && (!last || compareEntryKeys(e, last) > 0),
  );
  x.replaceFrom(m.from, base.concat(suffix));
  x.setSync(m.from + base.length);
  x.setStatus('Normal');
  x.notice(
    'repair',
    `took ${base.length} entries after ${m.from}, kept ${suffix.length} local, syncIndex ${s.syncIndex}`,
  );
  for (const p of s.pendingReconciles) {
    if (p.viewID === s.view && p.index <= s.syncIndex) reply(x, 'ReconcileReply', p, true, p.index);
  }
  s.pendingReconciles = [];
  armTimers(x);
  releaseDeferred(x);
}

/**
 * Fixed mode: a replica in Repair cannot order a request yet; dropping it costs the client a retry timeout
 * (a round trip or more on a slow network), so it waits here and is handled, in entry order, once the
 * repair is done. Only a delay, which the network may add anyway (DESIGN §2.10).
 */
function deferDuringRepair(x: Step, m: ClientRequest): void {
  const d = x.s.deferred;
  if (d.length >= 10_000) return;
  let i = d.length;
  while (i > 0 && compareEntryKeys(keyOf(d[i - 1]!), keyOf(m)) > 0) i--;
  d.splice(i, 0, m);
}

function releaseDeferred(x: Step): void {
  const due = x.s.deferred;
  x.s.deferred = [];
  for (const m of due) handleClientRequest(x, m);
}

// ---------------------------------------------------------------------------------------------
// View change

/** The spec's ChangeView: ask everyone (including ourselves) to move to the next view, or (fixed mode) a later one. */
export function changeView(x: Step, view = x.s.view + 1): void {
  x.sendAll({ type: 'ViewChange', src: x.s.id, viewID: view }, true);
}

function enterViewChange(x: Step, view: number): void {
  const s = x.s;
  x.setView(view);
  x.setStatus('ViewChange');
  s.vcReplies = [];
  s.pendingReconciles = [];
  s.deferred = [];
  s.preVote = null;
  s.vcFetch = null;
  s.acks = new Map();
  s.stable = null;
  sendViewChangeReply(x);
  armTimers(x);
}

function sendViewChangeReply(x: Step): void {
  const s = x.s;
  const to = primary(s.view, x.cfg.replicas);
  if (x.incremental) {
    // The log is described, not sent: the new primary fetches what it lacks from the one log it chooses.
    x.send(to, {
      type: 'ViewChangeReply',
      src: s.id,
      viewID: s.view,
      logViewID: s.logViewID,
      log: [],
      length: logLength(s),
      marks: marksOf(s),
      ...incarnationsField(s),
    });
    return;
  }
  x.send(to, {
    type: 'ViewChangeReply',
    src: s.id,
    viewID: s.view,
    logViewID: s.logViewID,
    log: s.log.slice(),
    ...incarnationsField(s),
  });
}

/**
 * The replies of this view that may be counted: none from an incarnation of its sender older than one known
 * here or named in any reply (DESIGN §2.4). Such a reply was sent before its sender lost its state; what it
 * says of the sender's log may since have stopped being true.
 */
function currentReplies(s: ReplicaState): ViewChangeReply[] {
  const replies = s.vcReplies.filter((v) => v.viewID === s.view);
  const known: Incarnations = { ...s.incarnations };
  for (const v of replies)
    for (const [r, n] of Object.entries(v.incarnations ?? {})) known[r] = Math.max(known[r] ?? 0, n);
  return replies.filter((v) => (v.incarnations?.[v.src] ?? 0) >= (known[v.src] ?? 0));
}

/**
 * Prefix checksums at the end of the log and 1, 2, 4, ... entries before it, down to the snapshot (the empty
 * prefix without one): what is compacted has no checksums left but the snapshot's.
 */
export function marksOf(s: ReplicaState): Mark[] {
  const n = logLength(s);
  const out: Mark[] = [];
  for (let d = 0; n - d > s.base; d = d === 0 ? 1 : d * 2)
    out.push({ index: n - d, checksum: hashAt(s, n - d)! });
  if (s.syncIndex > s.base && s.syncIndex < n)
    out.push({ index: s.syncIndex, checksum: hashAt(s, s.syncIndex)! });
  out.push({ index: s.base, checksum: s.hashes[0]! });
  return out;
}

/** The longest prefix of our log that a mark shows the other side holds too; -1 if none we can still check. */
function commonPrefix(s: ReplicaState, marks: readonly Mark[] | undefined): number {
  let best = s.base === 0 ? 0 : -1;
  for (const m of marks ?? []) {
    if (m.index > best && m.index <= logLength(s) && hashAt(s, m.index) === m.checksum) best = m.index;
  }
  return best;
}

function replyLength(v: ViewChangeReply): number {
  return v.length ?? v.log.length;
}

/**
 * A StartView for one replica: our entries after the prefix its marks show it shares (all if it sent none: it
 * is asked to describe itself). If it shares nothing we still hold, it gets our snapshot and what follows.
 */
function sendStartView(x: Step, to: ReplicaId, marks: readonly Mark[] | undefined): void {
  const s = x.s;
  const n = logLength(s);
  const common = marks ? commonPrefix(s, marks) : n;
  const from = Math.max(common, s.base);
  const msg: StartView = {
    type: 'StartView',
    src: s.id,
    viewID: s.view,
    log: entriesAfter(s, from),
    from,
    base: hashAt(s, from)!,
    length: n,
    checksum: hashAt(s, n)!,
  };
  if (common < 0 && s.snapshot) msg.snapshot = s.snapshot;
  x.send(to, msg);
}

/** The spec's HandleViewChange. */
export function handleViewChange(x: Step, m: ViewChange): void {
  // A replica without trustworthy state never votes: its log could hide a commit.
  if (x.s.status === 'Recovering') {
    noteRecoveringView(x, m.viewID);
    return;
  }
  if (x.s.view < m.viewID) enterViewChange(x, m.viewID);
}

/** The spec's HandleViewChangeReply, run by the new primary. */
export function handleViewChangeReply(x: Step, m: ViewChangeReply): void {
  const s = x.s;
  const cfg = x.cfg;
  if (primary(m.viewID, cfg.replicas) !== s.id) return;
  // Fixed: a vote for a view we lead that came before the view change did (links differ in speed) starts it
  // here, as that ViewChange would have; dropped, each side waited for the other until its stuck timer fired.
  if (s.view < m.viewID && s.status !== 'Recovering' && !x.flaw('no-retry')) enterViewChange(x, m.viewID);
  if (s.view !== m.viewID) return;
  const seedChoice = x.flaw('view-change-choice');
  if (s.status === 'Normal' && !x.flaw('no-retry') && m.src !== s.id) {
    // A late reply means that replica missed StartView: send it again, with the log as it is now.
    if (x.incremental) sendStartView(x, m.src, m.marks);
    else x.send(m.src, { type: 'StartView', src: s.id, viewID: s.view, log: s.log.slice() });
    return;
  }
  if (s.status !== 'ViewChange') return;
  if (x.incremental) {
    chooseIncremental(x, m);
    return;
  }
  if (seedChoice) s.vcReplies.push(m);
  else s.vcReplies = s.vcReplies.filter((v) => v.src !== m.src).concat([m]);
  const replies = currentReplies(s);
  const srcs = new Set(replies.map((v) => v.src));
  const enough = seedChoice ? isQuorumSeed(srcs.size, x.n) : isMajority(srcs.size, x.n);
  if (!enough || !srcs.has(s.id)) return;
  let latest = 0;
  for (const v of replies) latest = Math.max(latest, v.logViewID);
  const candidates = replies.filter((v) => v.logViewID === latest && inQuorum(latest, cfg.replicas, v.src));
  if (candidates.length === 0) return;
  if (seedChoice) {
    // CHOOSE: any candidate; the most recent one, and again on every later reply.
    const chosen = candidates[candidates.length - 1]!;
    x.sendAll({ type: 'StartView', src: s.id, viewID: s.view, log: chosen.log }, true);
    return;
  }
  // Fixed: one deterministic choice (longest log, then lowest id), installed here and sent once.
  const chosen = candidates.reduce((a, b) =>
    b.log.length > a.log.length || (b.log.length === a.log.length && compareIds(b.src, a.src) < 0) ? b : a,
  );
  installLog(x, s.view, chosen.log);
  x.notice(
    'start-view',
    `view ${s.view}: log of ${chosen.src} (${chosen.log.length} entries, logViewID ${latest})`,
  );
  x.sendAll({ type: 'StartView', src: s.id, viewID: s.view, log: s.log.slice() }, false);
}

/**
 * Fixed mode: the same choice as the full-log path (highest logViewID among senders in its quorum, then
 * longest, then lowest id), made from lengths; then fetch the chosen log's entries past the shared prefix.
 */
function chooseIncremental(x: Step, m: ViewChangeReply): void {
  const s = x.s;
  const cfg = x.cfg;
  s.vcReplies = s.vcReplies.filter((v) => v.src !== m.src).concat([m]);
  // One choice per view: while its entries are on their way, later replies only add marks.
  if (s.vcFetch?.view === s.view) return;
  const replies = currentReplies(s);
  const srcs = new Set(replies.map((v) => v.src));
  if (!isMajority(srcs.size, x.n) || !srcs.has(s.id)) return;
  let latest = 0;
  for (const v of replies) latest = Math.max(latest, v.logViewID);
  const candidates = replies.filter((v) => v.logViewID === latest && inQuorum(latest, cfg.replicas, v.src));
  if (candidates.length === 0) return;
  const chosen = candidates.reduce((a, b) =>
    replyLength(b) > replyLength(a) || (replyLength(b) === replyLength(a) && compareIds(b.src, a.src) < 0)
      ? b
      : a,
  );
  const length = replyLength(chosen);
  const checksum = chosen.marks?.find((k) => k.index === length)?.checksum ?? EMPTY_CHECKSUM;
  if (chosen.src === s.id || (length === logLength(s) && checksum === hashAt(s, length))) {
    finishViewChange(x, chosen.src, latest);
    return;
  }
  // Nothing in common that we can still check: from our snapshot (the sender answers from its own if it must).
  const from = Math.max(commonPrefix(s, chosen.marks), s.base);
  s.vcFetch = { view: s.view, src: chosen.src, from, length, checksum };
  x.send(chosen.src, { type: 'LogRequest', src: s.id, viewID: s.view, from, length, checksum });
}

/**
 * Any replica: the entries `from + 1 .. length` of the prefix the asker described, if we still hold it; from our
 * snapshot on (with it) if we compacted past `from`.
 */
function handleLogRequest(x: Step, m: LogRequest): void {
  const s = x.s;
  if (m.from > m.length || m.length > logLength(s) || hashAt(s, m.length) !== m.checksum) return;
  const from = Math.max(m.from, s.base);
  const msg: LogReply = {
    type: 'LogReply',
    src: s.id,
    viewID: m.viewID,
    from,
    length: m.length,
    checksum: m.checksum,
    log: entriesAfter(s, from, m.length),
    base: hashAt(s, from)!,
  };
  if (from > m.from && s.snapshot) msg.snapshot = s.snapshot;
  x.send(m.src, msg);
}

/** The new primary takes the chosen log's missing entries, checked against its checksum, and starts the view. */
function handleLogReply(x: Step, m: LogReply): void {
  const s = x.s;
  const f = s.vcFetch;
  if (!f || s.status !== 'ViewChange' || s.view !== f.view || m.viewID !== f.view || m.src !== f.src) return;
  if (m.length !== f.length || m.checksum !== f.checksum) return;
  const base = m.base ?? (m.from === f.from ? hashAt(s, f.from) : undefined);
  if (
    base === undefined ||
    !adopt(x, {
      from: m.from,
      base,
      log: m.log,
      length: m.length,
      checksum: m.checksum,
      snapshot: m.snapshot,
    })
  )
    return;
  finishViewChange(x, f.src, -1);
}

/**
 * Make our log the sender's: its prefix of `from` entries (checksum `base`) followed by `log`, ending at
 * `length` with `checksum`. Fits if we hold that prefix (or, having compacted past `from`, the entries chain
 * through our snapshot's checksum); else installs the sender's snapshot, if it sent one. False: nothing changed.
 */
function adopt(
  x: Step,
  m: {
    from: number;
    base: string;
    log: readonly Entry[];
    length: number;
    checksum: string;
    snapshot?: Snapshot | undefined;
  },
): boolean {
  const s = x.s;
  if (m.from < 0 || m.log.length !== m.length - m.from || chain(m.base, m.log) !== m.checksum) return false;
  if (m.from >= s.base) {
    if (m.from <= logLength(s) && hashAt(s, m.from) === m.base) {
      x.replaceFrom(m.from, m.log);
      return true;
    }
  } else if (m.length >= s.base && chain(m.base, m.log.slice(0, s.base - m.from)) === s.hashes[0]) {
    x.replaceFrom(s.base, m.log.slice(s.base - m.from));
    return true;
  }
  const snap = m.snapshot;
  if (!snap || snap.index !== m.from || snap.checksum !== m.base || snap.index < s.base) return false;
  installSnapshot(x, snap);
  x.replaceFrom(m.from, m.log);
  return true;
}

function chain(base: string, entries: readonly Entry[]): string {
  let h = base;
  for (const e of entries) h = nextChecksum(h, e);
  return h;
}

/** The new primary holds the chosen log: install it, and send each replica only what it lacks. */
function finishViewChange(x: Step, chosenSrc: ReplicaId, latest: number): void {
  const s = x.s;
  const marks = new Map<ReplicaId, Mark[] | undefined>();
  for (const v of s.vcReplies) if (v.viewID === s.view) marks.set(v.src, v.marks);
  x.setSync(logLength(s), s.view);
  becomeNormal(x, s.view);
  x.notice(
    'start-view',
    `view ${s.view}: log of ${chosenSrc} (${logLength(s)} entries${latest >= 0 ? `, logViewID ${latest}` : ''})`,
  );
  for (const r of x.cfg.replicas) if (r !== s.id) sendStartView(x, r, marks.get(r));
}

function installLog(x: Step, view: number, log: readonly Entry[]): void {
  const s = x.s;
  if (inQuorum(view, x.cfg.replicas, s.id)) {
    x.replaceFrom(0, log);
    x.setSync(log.length, view);
  }
  becomeNormal(x, view);
}

function becomeNormal(x: Step, view: number): void {
  const s = x.s;
  x.setView(view);
  x.setStatus('Normal');
  s.vcReplies = [];
  s.pendingReconciles = [];
  s.deferred = [];
  s.quorumSilence = new Map();
  s.demand = false;
  s.unserved = 0;
  s.recovery = null;
  s.preVote = null;
  s.vcFetch = null;
  s.acks = new Map();
  s.stable = null;
  s.failedViewChanges = 0;
  // Installing a view is hearing from its primary (or being it).
  s.primaryHeard = true;
  armTimers(x);
}

/**
 * Fixed mode: a StartView carrying the entries after `from`. A quorum member whose prefix of `from` entries
 * differs from the primary's cannot use it: it describes its log (a ViewChangeReply) and gets a fitting one.
 */
function handleIncrementalStartView(x: Step, m: StartView & { from: number }): void {
  const s = x.s;
  const member = inQuorum(m.viewID, x.cfg.replicas, s.id);
  const take = () =>
    adopt(x, {
      from: m.from,
      base: m.base ?? '',
      log: m.log,
      length: m.length ?? 0,
      checksum: m.checksum ?? '',
      snapshot: m.snapshot,
    });
  if (s.status === 'Recovering') {
    if (!canRejoin(x, m.viewID)) return;
    if (!take()) {
      x.send(m.src, { type: 'StartViewRequest', src: s.id, viewID: m.viewID, marks: marksOf(s) });
      return;
    }
    x.setSync(logLength(s), m.viewID);
    becomeNormal(x, m.viewID);
    noticeRejoined(x);
    return;
  }
  if (!(s.view < m.viewID || (s.view === m.viewID && s.status === 'ViewChange'))) return;
  if (!member) {
    becomeNormal(x, m.viewID);
    return;
  }
  if (take()) {
    x.setSync(logLength(s), m.viewID);
    becomeNormal(x, m.viewID);
    return;
  }
  if (s.view < m.viewID) enterViewChange(x, m.viewID);
  else sendViewChangeReply(x);
}

/** The primary answers a recovering replica that could not use the StartView it got. */
function handleStartViewRequest(x: Step, m: StartViewRequest): void {
  const s = x.s;
  if (s.status === 'Normal' && s.view === m.viewID && x.isPrimary()) sendStartView(x, m.src, m.marks);
}

// ---------------------------------------------------------------------------------------------
// Pre-vote (fixed mode): a replica moves the cluster to a new view only if a majority no longer hears
// the primary, so a restarted or isolated replica cannot depose a primary the others still hear.

/**
 * Asks for the next view whose quorum leaves out the replicas that went silent (see nextView); asked again for
 * the same view, `keep` the grants it has.
 */
function startPreVote(x: Step, silent: readonly ReplicaId[], keep = false): void {
  const s = x.s;
  const view = nextView(s.view, x.cfg.replicas, silent);
  if (!keep || s.preVote?.view !== view) s.preVote = { view, grants: new Set([s.id]) };
  x.sendAll({ type: 'PreVote', src: s.id, viewID: view, view: s.view }, false);
  checkPreVote(x);
}

function checkPreVote(x: Step): void {
  const s = x.s;
  const p = s.preVote;
  if (p && p.view > s.view && isMajority(p.grants.size, x.n)) {
    s.preVote = null;
    changeView(x, p.view);
  }
}

function handlePreVote(x: Step, m: PreVote): void {
  const s = x.s;
  if (s.status === 'Recovering') return; // never votes
  const hears = s.status === 'Normal' && (s.primaryHeard || x.isPrimary());
  // An asker already in a newer view than ours is ahead, not stale: let it bring us along. A member of our
  // view's quorum that cannot hear the primary breaks every commit of the view, so it too may move it on.
  const brokenQuorum = m.view === s.view && inQuorum(s.view, x.cfg.replicas, m.src);
  const granted = m.viewID > s.view && (!hears || m.view > s.view || brokenQuorum);
  x.send(m.src, {
    type: 'PreVoteReply',
    src: s.id,
    viewID: m.viewID,
    granted,
    view: s.view,
    normal: s.status === 'Normal',
  });
}

/**
 * On each heartbeat of a primary: once clients have asked it to commit (a request of its view arrived) for two
 * election timeouts while a member of its quorum stayed silent to it (no HeartbeatReply for an election
 * timeout), the view cannot commit anything, and the primary asks to move on (its pre-vote is granted, as it
 * is a member of the quorum), again on every heartbeat while that lasts, keeping the grants it has. Any
 * request counts, not a client's count of failed retries: those outlast an operation timeout on slow links,
 * and the next operation's client counts afresh (DESIGN §2.6). The two timeouts let a member that just
 * restarted be reconnected to. A primary that hears its whole quorum is not deposed by clients, nor does a
 * backup that hears its primary act: a client cut off from a healthy replica waits for the cut to heal.
 */
function askIfUnserved(x: Step): void {
  const s = x.s;
  const limit = Math.ceil(x.cfg.timing.electionMs / x.cfg.timing.heartbeatMs);
  const silent = quorum(s.view, x.cfg.replicas).filter(
    (r) => r !== s.id && (s.quorumSilence.get(r) ?? 0) >= limit,
  );
  if (silent.length === 0) s.unserved = 0;
  else if (s.demand || s.unserved > 0) s.unserved++;
  s.demand = false;
  if (s.unserved > 2 * limit) startPreVote(x, silent, true);
}

/**
 * Fixed mode: a quorum member answers its primary's heartbeat. The answer proves it alive, so that the primary
 * can tell a broken quorum (askIfUnserved), and its marks say which prefixes it holds (checkpoints). A
 * repairing log is about to be rewritten: it vouches for nothing.
 */
function answerHeartbeat(x: Step, m: Heartbeat): void {
  const s = x.s;
  if (!x.calm || !inQuorum(s.view, x.cfg.replicas, s.id)) return;
  const marks = x.compacting && s.status === 'Normal' ? heldMarks(s) : [];
  x.send(m.src, { type: 'HeartbeatReply', src: s.id, viewID: s.view, marks });
}

function handlePreVoteReply(x: Step, m: PreVoteReply): void {
  const s = x.s;
  if (s.status === 'Recovering') return;
  if (m.view > s.view) {
    // We are behind: join that view. Running, its primary answers our reply with StartView; still changing,
    // our reply may be the one it lacks (its ViewChange to us was lost), as HandleViewChange would have sent.
    enterViewChange(x, m.view);
    return;
  }
  const p = s.preVote;
  if (!p || !m.granted || p.view !== m.viewID) return;
  p.grants.add(m.src);
  checkPreVote(x);
}

/** The spec's HandleStartView. */
export function handleStartView(x: Step, m: StartView): void {
  const s = x.s;
  if (m.from !== undefined && x.incremental) {
    handleIncrementalStartView(x, m as StartView & { from: number });
    return;
  }
  if (s.status === 'Recovering') {
    if (!canRejoin(x, m.viewID)) return;
    installLog(x, m.viewID, m.log);
    noticeRejoined(x);
    return;
  }
  if (!(s.view < m.viewID || (s.view === m.viewID && s.status === 'ViewChange'))) return;
  installLog(x, m.viewID, m.log);
}

function handleHeartbeat(x: Step, m: Heartbeat): void {
  const s = x.s;
  if (s.status === 'Recovering') {
    noteRecoveringView(x, m.viewID);
    askToRejoin(x, m);
  } else if (s.status === 'Normal' && m.viewID === s.view && m.src === primary(s.view, x.cfg.replicas)) {
    s.primaryHeard = true;
    x.timer('election', true);
    if (x.compacting && m.stable) learnStable(x, m.stable);
    answerHeartbeat(x, m);
  } else if (s.status === 'Repair' && m.viewID === s.view) {
    answerHeartbeat(x, m); // alive and in the view: a repair (a round trip) is no silence
  } else if (!x.flaw('no-retry')) {
    // A Normal primary in a view we have not installed: we missed its StartView. Our (late) reply
    // makes it send StartView again.
    if (m.viewID > s.view) enterViewChange(x, m.viewID);
    else if (m.viewID === s.view && s.status === 'ViewChange') sendViewChangeReply(x);
    // Fixed: we are in a view change that a majority granted, and an older view is live without us (our
    // ViewChange was lost): say it again to all now rather than after our stuck timer's backoff (§2.6).
    else if (m.viewID < s.view && s.status === 'ViewChange' && x.calm)
      x.sendAll({ type: 'ViewChange', src: s.id, viewID: s.view }, false);
  }
}

// ---------------------------------------------------------------------------------------------
// Recovery (fixed mode): a replica that restarted without trustworthy state

function startRecovery(x: Step, nonce: number): void {
  x.s.recovery = { nonce, round: 1, incarnation: 0, replies: new Map(), floor: null, seen: 0, asked: 0 };
  x.setStatus('Recovering');
  sendRecoveryRequests(x);
  x.timer('recovery', true);
}

/**
 * The current round's request. Round 1 asks what incarnations and reservations the others hold; round 2
 * reserves ours, so that a later recovery passes it even if this one never finishes; round 3 takes it.
 */
function sendRecoveryRequests(x: Step): void {
  const r = x.s.recovery;
  if (!r) return;
  x.sendAll({ type: 'RecoveryRequest', src: x.s.id, nonce: r.nonce, ...roundField(r) }, false);
}

function roundField(
  r: NonNullable<ReplicaState['recovery']>,
): Pick<RecoveryRequest, 'reserve' | 'incarnation'> {
  return r.round === 2 ? { reserve: r.incarnation } : r.round === 3 ? { incarnation: r.incarnation } : {};
}

function nextRecoveryRound(x: Step, r: NonNullable<ReplicaState['recovery']>, round: 2 | 3): void {
  r.round = round;
  r.replies = new Map();
  sendRecoveryRequests(x);
}

function handleRecoveryRequest(x: Step, m: RecoveryRequest): void {
  const s = x.s;
  if (s.status === 'Recovering') return;
  // Durable before the answer leaves: from round 3 on, our view-change replies name it (DESIGN §2.4).
  if (m.reserve !== undefined) x.reserveIncarnation(m.src, m.reserve);
  if (m.incarnation !== undefined) x.raiseIncarnation(m.src, m.incarnation);
  const reply: RecoveryReply = {
    type: 'RecoveryReply',
    src: s.id,
    nonce: m.nonce,
    viewID: s.view,
    status: s.status,
    ...vectorFields(s),
  };
  if (m.reserve !== undefined) reply.reserve = m.reserve;
  if (m.incarnation !== undefined) reply.incarnation = m.incarnation;
  x.send(m.src, reply);
}

function handleRecoveryReply(x: Step, m: RecoveryReply): void {
  const s = x.s;
  const r = s.recovery;
  if (s.status !== 'Recovering' || !r || m.nonce !== r.nonce || m.src === s.id || r.floor !== null) return;
  const want = roundField(r);
  if (m.reserve !== want.reserve || m.incarnation !== want.incarnation) return; // an answer to another round
  r.replies.set(m.src, m);
  if (!isMajority(r.replies.size, x.n)) return;
  if (r.round === 1) {
    // A majority of the others holds every incarnation of ours that was ever taken (reserved first): the next
    // one is new. Their knowledge of the others is ours now, as if we had never lost it.
    for (const v of r.replies.values()) {
      for (const [id, n] of Object.entries(v.incarnations ?? {})) x.raiseIncarnation(id, n);
      for (const [id, n] of Object.entries(v.reserved ?? {})) x.reserveIncarnation(id, n);
    }
    r.incarnation = Math.max(s.incarnations[s.id] ?? 0, s.reserved[s.id] ?? 0) + 1;
    x.reserveIncarnation(s.id, r.incarnation);
    nextRecoveryRound(x, r, 2);
    return;
  }
  if (r.round === 2) {
    x.raiseIncarnation(s.id, r.incarnation);
    nextRecoveryRound(x, r, 3);
    return;
  }
  // A majority of the *other* replicas holds our new incarnation, and its highest view is at least any view
  // this replica acknowledged in, or voted in by a reply that may still be counted (DESIGN §2.4).
  let floor = 0;
  for (const v of r.replies.values()) floor = Math.max(floor, v.viewID);
  r.floor = floor;
  x.setView(floor);
  promptViewChangeAfter(x, floor);
}

/** A recovering replica that missed a StartView learns of newer views, so its next prompt goes past them. */
function noteRecoveringView(x: Step, view: number): void {
  const r = x.s.recovery;
  if (r?.floor != null) r.seen = Math.max(r.seen, view);
}

/**
 * A recovering replica rejoins only through the StartView of a view newer than any view it could have
 * acknowledged in (the floor), and only one whose quorum it is in, so that it installs that view's log. Outside
 * the quorum it would keep an empty log with logViewID 0 and then vote with it: its vote would say it never
 * acknowledged in the views it forgot, and a later view change could lose their commits (DESIGN §2.4). A
 * StartView it cannot rejoin through is a view it heard of: its next prompt goes past it.
 */
function canRejoin(x: Step, view: number): boolean {
  if (rejoinable(x, view)) return true;
  noteRecoveringView(x, view);
  return false;
}

function noticeRejoined(x: Step): void {
  x.notice('recovered', `rejoined in view ${x.s.view} as incarnation ${x.s.incarnations[x.s.id] ?? 0}`);
}

/** A view newer than the floor whose quorum this replica is in. */
function rejoinable(x: Step, view: number): boolean {
  const r = x.s.recovery;
  return r?.floor != null && view > r.floor && inQuorum(view, x.cfg.replicas, x.s.id);
}

/**
 * A recovering replica that hears the primary of a view it may rejoin through missed that view's StartView (or
 * could not use it): it asks that primary for it, once per view, rather than waiting to prompt yet another view
 * change past it. The answer is a StartView like any other, judged by `canRejoin`.
 */
function askToRejoin(x: Step, m: Heartbeat): void {
  const r = x.s.recovery;
  if (!x.incremental || !r || !rejoinable(x, m.viewID) || m.viewID <= r.asked) return;
  if (m.src !== primary(m.viewID, x.cfg.replicas)) return;
  r.asked = m.viewID;
  x.send(m.src, { type: 'StartViewRequest', src: x.s.id, viewID: m.viewID, marks: marksOf(x.s) });
}

/** Ask the others to move to the first view after `floor` that this replica can rejoin through and does not lead. */
function promptViewChangeAfter(x: Step, floor: number): void {
  const { replicas } = x.cfg;
  let v = floor + 1;
  // Within any n consecutive views, each replica is a non-leading quorum member of one (n >= 2).
  for (let i = 0; i < 2 * replicas.length; i++, v++)
    if (primary(v, replicas) !== x.s.id && inQuorum(v, replicas, x.s.id)) break;
  x.sendAll({ type: 'ViewChange', src: x.s.id, viewID: v }, false);
}

// ---------------------------------------------------------------------------------------------
// Checkpoints (fixed mode, DESIGN §2.9): a prefix every member of the view's quorum holds identically is
// committed, so it is in every later log; it can be compacted into a snapshot.

/** The primary: raise `stable` to the longest prefix every quorum member reported holding in this view. */
function updateStable(x: Step): void {
  const s = x.s;
  if (!x.compacting || s.status !== 'Normal' || !x.isPrimary()) return;
  let index = logLength(s);
  for (const r of quorum(s.view, x.cfg.replicas)) {
    if (r === s.id) continue;
    const a = s.acks.get(r);
    if (a === undefined) return;
    index = Math.min(index, a);
  }
  if (index < s.base || (s.stable && s.stable.index >= index)) return;
  s.stable = { index, checksum: hashAt(s, index)! };
  maybeCompact(x, s.stable);
}

function handleHeartbeatReply(x: Step, m: HeartbeatReply): void {
  const s = x.s;
  if (!x.calm || s.status !== 'Normal' || s.view !== m.viewID || !x.isPrimary()) return;
  s.quorumSilence.set(m.src, 0);
  if (!x.compacting || !inQuorum(s.view, x.cfg.replicas, m.src)) return;
  // Counted only if it is our own prefix: within a view the primary only appends, so it stays ours.
  const held = commonPrefix(s, m.marks);
  if (held <= (s.acks.get(m.src) ?? -1)) return;
  s.acks.set(m.src, held);
  updateStable(x);
}

/** The end of our log, 1, 2, 4, ... 64 entries before it, and the syncIndex: what a HeartbeatReply says we hold. */
function heldMarks(s: ReplicaState): Mark[] {
  return marksOf(s).filter((k, i) => i < 8 || k.index === s.syncIndex);
}

/** A backup hears its primary's stable prefix: if it holds the same, it may compact behind it. */
function learnStable(x: Step, m: Mark): void {
  maybeCompact(x, m);
}

/**
 * Compact up to half the threshold behind the stable point, every half threshold: the live log stays between
 * half the threshold and the threshold (plus what is not yet stable), and what a reader of the log (the
 * harness's dumps, every few seconds) saw last is still live rather than already compacted. A reader that
 * said how far it read (`readerAt`) also keeps what it has not seen, unless it fell more than twice the
 * threshold behind: a fast log is then still dumped whole, and a reader that stopped cannot grow the log.
 */
function maybeCompact(x: Step, m: Mark): void {
  const s = x.s;
  const every = x.cfg.timing.snapshotEvery;
  const keep = Math.floor(every / 2);
  const reader = s.readerAt === null ? Number.POSITIVE_INFINITY : Math.max(s.readerAt, m.index - 2 * every);
  const c = Math.min(m.index - keep, reader);
  if (c - s.base < Math.max(1, every - keep)) return;
  if (m.index > logLength(s) || hashAt(s, m.index) !== m.checksum) return;
  compact(x, c);
}

/** Replace entries 1..c by a snapshot: the state after them (replayed from the previous snapshot), their checksum and dedup. */
function compact(x: Step, c: number): void {
  const s = x.s;
  const k = c - s.base;
  const kv: KvState = new Map(s.snapshot?.kv ?? []);
  const done = s.done;
  for (let i = 0; i < k; i++) {
    const e = s.log[i]!;
    const result = applyOp(kv, e.op);
    const key = idKey(e.client, e.req);
    if (s.ids.get(key) === s.base + i + 1) s.ids.delete(key);
    if ((done.get(e.client)?.req ?? 0) < e.req)
      done.set(e.client, {
        client: e.client,
        req: e.req,
        index: s.base + i + 1,
        checksum: s.hashes[i + 1]!,
        ts: e.ts,
        result,
      });
  }
  const last = entryAt(s, c)!;
  // A client whose last request here is a lifetime older than the snapshot's last entry can never have a
  // copy of it, or of an older one, appended again: each is stamped too early to follow `last`.
  const lifetime = lifetimeUs(x.cfg.timing);
  for (const [client, mark] of done) if (mark.ts + lifetime < last.ts) done.delete(client);
  const snap: Snapshot = {
    index: c,
    checksum: s.hashes[k]!,
    last,
    kv: [...kv],
    clients: [...done.values()],
  };
  s.log = s.log.slice(k);
  s.hashes = s.hashes.slice(k);
  s.base = c;
  s.snapshot = snap;
  if (s.applied >= c) s.results = s.results.slice(k);
  else {
    s.kv = kv;
    s.applied = c;
    s.results = [];
  }
  if (s.syncIndex < c) x.setSync(c);
  x.persist({ t: 'snapshot', snapshot: snap });
  x.notice(
    'snapshot',
    `compacted entries 1..${c} (${s.log.length} live, ${kv.size} keys, ${done.size} clients)`,
  );
}

/** Replace the whole log by a snapshot received from another replica (entries follow). */
function installSnapshot(x: Step, snap: Snapshot): void {
  const s = x.s;
  s.log = [];
  s.hashes = [snap.checksum];
  s.base = snap.index;
  s.snapshot = snap;
  s.ids = new Map();
  s.done = new Map(snap.clients.map((c) => [c.client, c]));
  s.kv = new Map(snap.kv);
  s.applied = snap.index;
  s.results = [];
  x.persist({ t: 'snapshot', snapshot: snap, install: true });
  x.notice('snapshot', `installed a snapshot of entries 1..${snap.index}`);
}

/**
 * A deterministic network of core replicas and clients, driven by hand: which message is delivered,
 * dropped or duplicated, and which timer fires, is the caller's choice. Used by the core tests to replay
 * exact schedules; no sockets, clocks or randomness.
 */
import {
  abandonRequest,
  type ClientEffect,
  type ClientOutcome,
  type ClientState,
  clientRequest,
  handleClientReply,
  initialClient,
  retryRequest,
} from './client-core.js';
import type { ProtocolConfig } from './config.js';
import type { ReplicaEffect, ReplicaTimer } from './effects.js';
import type { ClientMessage, ClientReply, KvOp, PeerMessage } from './messages.js';
import {
  cloneReplica,
  durableState,
  initialReplica,
  type ReplicaEvent,
  type ReplicaState,
  recoveringReplica,
  restoreReplica,
  step,
} from './replica-core.js';

export interface InFlight {
  id: number;
  from: string;
  to: string;
  msg: PeerMessage | ClientMessage | ClientReply;
}

export type Match = (m: InFlight) => boolean;

export class Sim {
  readonly replicas = new Map<string, ReplicaState>();
  readonly clients = new Map<string, ClientState>();
  readonly outcomes = new Map<string, ClientOutcome>();
  /** Timers currently armed, as `node/name`. */
  readonly timers = new Set<string>();
  net: InFlight[] = [];
  private nextId = 1;
  private nonce = 1;

  constructor(
    readonly cfg: ProtocolConfig,
    clientIds: string[] = ['c1'],
  ) {
    for (const r of cfg.replicas) this.replicas.set(r, initialReplica(r));
    for (const c of clientIds) this.clients.set(c, initialClient(c));
  }

  replica(id: string): ReplicaState {
    const r = this.replicas.get(id);
    if (!r) throw new Error(`no replica ${id}`);
    return r;
  }

  client(id: string): ClientState {
    const c = this.clients.get(id);
    if (!c) throw new Error(`no client ${id}`);
    return c;
  }

  /** Invoke an operation at `now` (client clock, microseconds); returns the request id. */
  invoke(client: string, op: KvOp, now: number): number {
    const { reqID, effects } = clientRequest(this.cfg, this.client(client), op, now);
    this.clientEffects(client, effects);
    return reqID;
  }

  retry(client: string, reqID: number, now: number): void {
    this.clientEffects(client, retryRequest(this.cfg, this.client(client), reqID, now));
  }

  abandon(client: string, reqID: number): void {
    this.clientEffects(client, abandonRequest(this.client(client), reqID));
  }

  outcome(client: string, reqID: number): ClientOutcome | undefined {
    return this.outcomes.get(`${client}/${reqID}`);
  }

  fire(replica: string, name: ReplicaTimer): void {
    this.replicaStep(replica, { kind: 'timer', name });
  }

  /** Messages in flight that match. */
  pending(match: Match = () => true): InFlight[] {
    return this.net.filter(match);
  }

  /** Deliver the first in-flight message that matches; returns it, or undefined if none did. */
  deliver(match: Match): InFlight | undefined {
    const i = this.net.findIndex(match);
    if (i < 0) return undefined;
    const [m] = this.net.splice(i, 1);
    this.receive(m!);
    return m;
  }

  /** Deliver matching messages, including ones they cause, until none is left (bounded). */
  deliverAll(match: Match = () => true, limit = 10_000): number {
    let n = 0;
    while (n < limit && this.deliver(match)) n++;
    return n;
  }

  drop(match: Match): number {
    const before = this.net.length;
    this.net = this.net.filter((m) => !match(m));
    return before - this.net.length;
  }

  /** Crash and restart a replica: with its durable state (fixed), empty (seed), or untrusted. */
  restart(id: string, how: 'durable' | 'empty' | 'untrusted'): void {
    const old = this.replica(id);
    this.net = this.net.filter((m) => m.to !== id);
    for (const t of [...this.timers]) if (t.startsWith(`${id}/`)) this.timers.delete(t);
    const fresh =
      how === 'durable'
        ? restoreReplica(id, structuredClone(durableState(old)))
        : how === 'empty'
          ? initialReplica(id)
          : recoveringReplica(id);
    this.replicas.set(id, fresh);
    this.replicaStep(id, { kind: 'start', nonce: this.nonce++ });
  }

  snapshot(id: string): ReplicaState {
    return cloneReplica(this.replica(id));
  }

  private receive(m: InFlight): void {
    if (this.replicas.has(m.to)) {
      const msg = m.msg;
      if (msg.type === 'ClientRequest' || msg.type === 'ReconcileRequest') {
        this.replicaStep(m.to, { kind: 'client', msg });
      } else if (msg.type !== 'ClientReply' && msg.type !== 'ReconcileReply') {
        this.replicaStep(m.to, { kind: 'peer', msg: msg as PeerMessage });
      }
    } else if (this.clients.has(m.to) && (m.msg.type === 'ClientReply' || m.msg.type === 'ReconcileReply')) {
      this.clientEffects(m.to, handleClientReply(this.cfg, this.client(m.to), m.msg, 0));
    }
  }

  private replicaStep(id: string, ev: ReplicaEvent): void {
    const { state, effects } = step(this.cfg, this.replica(id), ev);
    this.replicas.set(id, state);
    this.replicaEffects(id, effects);
  }

  private replicaEffects(id: string, effects: ReplicaEffect[]): void {
    for (const e of effects) {
      if (e.kind === 'send')
        this.net.push({ id: this.nextId++, from: id, to: e.to, msg: structuredClone(e.msg) });
      else if (e.kind === 'reply')
        this.net.push({ id: this.nextId++, from: id, to: e.client, msg: structuredClone(e.msg) });
      else if (e.kind === 'timer') {
        if (e.ms === null) this.timers.delete(`${id}/${e.name}`);
        else this.timers.add(`${id}/${e.name}`);
      }
    }
  }

  private clientEffects(id: string, effects: ClientEffect[]): void {
    for (const e of effects) {
      if (e.kind === 'send')
        this.net.push({ id: this.nextId++, from: id, to: e.to, msg: structuredClone(e.msg) });
      else if (e.kind === 'resolve') this.outcomes.set(`${id}/${e.reqID}`, e.outcome);
    }
  }
}

/** Matchers for readable schedules. */
export const to =
  (dest: string, type?: string): Match =>
  (m) =>
    m.to === dest && (type === undefined || m.msg.type === type);
export const from =
  (src: string, type?: string): Match =>
  (m) =>
    m.from === src && (type === undefined || m.msg.type === type);
export const between =
  (src: string, dest: string, type?: string): Match =>
  (m) =>
    m.from === src && m.to === dest && (type === undefined || m.msg.type === type);
export const ofType =
  (type: string): Match =>
  (m) =>
    m.msg.type === type;

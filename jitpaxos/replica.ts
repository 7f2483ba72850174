/**
 * The replica process: carries out the core's effects with real sockets, timers and disk.
 *
 * Ordering: effects of the events handled in one turn of the event loop form a batch; its persist
 * records are made durable (one group write + fsync) before any of its messages leave, and batches
 * leave in order.
 */
import { performance } from 'node:perf_hooks';
import { type AdminServer, startAdmin } from './admin.js';
import { type Mode, makeConfig, type ProtocolConfig, type Timing } from './config.js';
import type { ReplicaEffect, ReplicaTimer } from './effects.js';
import type { ClientMessage, Message, PeerMessage } from './messages.js';
import { CLIENT_MESSAGE_TYPES } from './messages.js';
import { inQuorum, primary } from './quorum.js';
import {
  compareEntryKeys,
  entriesAfter,
  hashAt,
  initialReplica,
  logLength,
  type ReplicaEvent,
  type ReplicaState,
  readerSaw,
  recoveringReplica,
  restoreReplica,
  step,
} from './replica-core.js';
import { MemoryStore, type Store, Wal } from './storage.js';
import { type Conn, Listener, PeerLink } from './transport.js';
import { REPLICA_ACCEPTS } from './wire.js';

/**
 * The replica's clock for the just-in-time hold: Date.now(), not the monotonic-based wall clock, because
 * the clock nemesis skews a replica through libfaketime, which moves Date.now() live and not performance.now().
 */
const replicaClockMicros = (): number => Date.now() * 1000;

export interface Address {
  host: string;
  port: number;
}

export interface ReplicaOptions {
  id: string;
  listen: Address;
  /** Where to reach every other replica (through a proxy, under the harness). */
  peers: Record<string, Address>;
  admin: Address;
  dataDir: string;
  mode: Mode;
  flaws?: string[];
  fsync: boolean;
  timing?: Partial<Timing>;
  /** One JSON object per event: what the harness and the report read. */
  log?: (event: Record<string, unknown>) => void;
}

const CLIENT_TYPES: readonly string[] = CLIENT_MESSAGE_TYPES;

/** Requests by (timestamp, client, request id); reconciles (which carry no timestamp) after them. */
function compareClientMessages(a: ClientMessage, b: ClientMessage): number {
  if (a.type !== 'ClientRequest' || b.type !== 'ClientRequest') {
    return (a.type === 'ClientRequest' ? 0 : 1) - (b.type === 'ClientRequest' ? 0 : 1);
  }
  return compareEntryKeys(
    { ts: a.ts, client: a.client, req: a.reqID },
    { ts: b.ts, client: b.client, req: b.reqID },
  );
}

export class ReplicaProcess {
  private state: ReplicaState;
  private readonly links = new Map<string, PeerLink>();
  private readonly clients = new Map<string, Conn>();
  private readonly timers = new Map<ReplicaTimer, NodeJS.Timeout>();
  private outbox: Array<() => void> = [];
  private clientBatch: ClientMessage[] = [];
  private drainScheduled = false;
  private unflushed = false;
  private lastFlush: Promise<void> = Promise.resolve();
  private listener: Listener | null = null;
  private adminServer: AdminServer | null = null;
  private stopping: Promise<void> | null = null;
  private readonly started = Date.now();
  private readonly counters = { received: 0, sent: 0, invalid: 0, clientReplies: 0 };
  readonly durable: boolean;

  private constructor(
    readonly opts: ReplicaOptions,
    readonly cfg: ProtocolConfig,
    private readonly store: Store,
    state: ReplicaState,
    readonly storeNotes: string[],
    private readonly onShutdown: () => void,
  ) {
    this.state = state;
    this.durable = store instanceof Wal;
  }

  static async start(opts: ReplicaOptions, onShutdown: () => void = () => {}): Promise<ReplicaProcess> {
    const ids = [opts.id, ...Object.keys(opts.peers)];
    const cfg = makeConfig({ replicas: ids, mode: opts.mode, flaws: opts.flaws ?? [], timing: opts.timing });
    // Fixed mode persists; the seed (or the no-durability flaw) keeps everything in memory.
    const opened = cfg.flaws.has('no-durability')
      ? MemoryStore.open()
      : Wal.open(opts.dataDir, { fsync: opts.fsync });
    let state: ReplicaState;
    if (!opened.trusted) state = recoveringReplica(opts.id);
    else if (opened.state) state = restoreReplica(opts.id, opened.state);
    else state = initialReplica(opts.id);
    const r = new ReplicaProcess(opts, cfg, opened.wal, state, opened.notes, onShutdown);
    if (!opened.state && opened.trusted) {
      // First boot: record Init, so that a restart finds view 1 rather than nothing.
      const s = r.state;
      r.store.record([
        { t: 'meta', view: s.view, status: s.status, logViewID: s.logViewID, syncIndex: s.syncIndex },
      ]);
      await r.store.flush();
    }
    await r.open();
    return r;
  }

  private async open(): Promise<void> {
    const o = this.opts;
    this.emit('start', {
      mode: this.cfg.mode,
      flaws: [...this.cfg.flaws],
      durable: this.durable,
      fsync: this.durable && o.fsync,
      status: this.state.status,
      view: this.state.view,
      logLength: logLength(this.state),
      snapshotIndex: this.state.base,
      notes: this.storeNotes,
    });
    for (const [peer, addr] of Object.entries(o.peers)) {
      this.links.set(
        peer,
        new PeerLink({
          peer,
          host: addr.host,
          port: addr.port,
          log: (line) => this.emit('link', { peer, detail: line }),
        }),
      );
    }
    this.listener = await Listener.listen(o.listen.host, o.listen.port, {
      allowed: REPLICA_ACCEPTS,
      log: (line) => this.emit('wire', { detail: line }),
      onInvalid: () => {
        this.counters.invalid++;
      },
      onMessage: (msg, conn) => this.receive(msg, conn),
      // Each process of a long run is a new client: keep only those whose connection is open.
      onClose: (conn) => {
        for (const [client, c] of this.clients) if (c === conn) this.clients.delete(client);
      },
    });
    this.adminServer = await startAdmin(o.admin.host, o.admin.port, {
      status: () => this.status(),
      log: (from) => this.logDump(from),
      shutdown: () => void this.stop().then(this.onShutdown),
    });
    this.handle({ kind: 'start', nonce: Math.floor(Math.random() * 2 ** 31) });
  }

  get ports(): { listen: number; admin: number } {
    return { listen: this.listener?.address().port ?? 0, admin: this.adminServer?.port ?? 0 };
  }

  private emit(event: string, fields: Record<string, unknown>): void {
    this.opts.log?.({ t: Date.now(), replica: this.opts.id, event, ...fields });
  }

  private receive(msg: Message, conn: Conn): void {
    if (this.stopping) return;
    this.counters.received++;
    if (CLIENT_TYPES.includes(msg.type)) {
      const m = msg as ClientMessage;
      // Replies go back on the connection the client last used.
      this.clients.set(m.client, conn);
      this.queueClient(m);
    } else {
      this.handle({ kind: 'peer', msg: msg as PeerMessage });
    }
  }

  /**
   * Client messages read in one turn of the event loop are handled together, in timestamp order.
   * Reordering in flight is something the network may do anyway, so this changes no guarantee; it makes
   * replicas that received the same requests in a different order append them in the same order more often,
   * which spares a reconcile. It adds no delay: the batch is handled before the loop waits again.
   */
  private queueClient(m: ClientMessage): void {
    this.clientBatch.push(m);
    if (this.clientBatch.length === 1) setImmediate(() => this.handleClientBatch());
  }

  private handleClientBatch(): void {
    const batch = this.clientBatch;
    this.clientBatch = [];
    if (this.stopping) return;
    if (batch.length > 1) batch.sort(compareClientMessages);
    for (const msg of batch) this.handle({ kind: 'client', msg, now: replicaClockMicros() });
  }

  private handle(ev: ReplicaEvent): void {
    const { state, effects } = step(this.cfg, this.state, ev);
    this.state = state;
    this.apply(effects);
  }

  private apply(effects: ReplicaEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'persist':
          this.store.record([e.record]);
          this.unflushed = true;
          break;
        case 'send': {
          const { to, msg } = e;
          if (to === this.opts.id) this.outbox.push(() => this.handle({ kind: 'peer', msg }));
          else
            this.outbox.push(() => {
              if (this.links.get(to)?.send(msg)) this.counters.sent++;
            });
          break;
        }
        case 'reply': {
          const { client, msg } = e;
          const at = performance.now();
          this.outbox.push(() => {
            // Time spent waiting for the log to be durable is the replica's, not the network's: the
            // client's one-way delay estimate (just in time, DESIGN §2.8) leaves it out, as it does the hold.
            if (msg.type === 'ClientReply' && this.cfg.mode === 'fixed') {
              const waitedUs = Math.round((performance.now() - at) * 1000);
              if (waitedUs > 0) msg.heldUs = (msg.heldUs ?? 0) + waitedUs;
            }
            if (this.clients.get(client)?.send(msg)) this.counters.clientReplies++;
          });
          break;
        }
        case 'timer':
          this.setTimer(e.name, e.ms);
          break;
        case 'notice':
          this.emit(e.notice.what, {
            detail: e.notice.detail,
            view: this.state.view,
            status: this.state.status,
          });
          break;
      }
    }
    // Records are flushed even when nothing is sent: a state change that is logged (a view installed by a
    // replica outside the quorum, which then sends nothing) must not stay in memory until the next message,
    // or a kill in between restarts the replica in an older view than it reported.
    if ((this.outbox.length > 0 || this.unflushed) && !this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Send one batch: after its records (and every earlier batch's) are durable. */
  private async drain(): Promise<void> {
    this.drainScheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    if (this.unflushed) {
      this.unflushed = false;
      this.lastFlush = this.store.flush();
    }
    try {
      await this.lastFlush;
    } catch (err) {
      // Never acknowledge what could not be persisted: stop instead.
      this.emit('fatal', { detail: `storage failed: ${(err as Error).message}` });
      void this.stop().then(this.onShutdown);
      return;
    }
    if (this.stopping) return;
    for (const send of batch) {
      try {
        send();
      } catch (err) {
        // A message too large to frame (a whole log in a view change) is lost like any other message.
        this.emit('dropped', { detail: (err as Error).message });
      }
    }
  }

  private setTimer(name: ReplicaTimer, ms: number | null): void {
    const old = this.timers.get(name);
    if (old) clearTimeout(old);
    this.timers.delete(name);
    if (ms === null || this.stopping) return;
    // Election-type timers get jitter so that replicas do not all time out in the same instant (the fixed
    // core randomizes its own, from a seeded source, so that a simulator can replay it).
    const delay = name === 'heartbeat' || this.cfg.mode === 'fixed' ? ms : ms * (1 + Math.random() * 0.5);
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        if (!this.stopping) this.handle({ kind: 'timer', name, now: replicaClockMicros() });
      }, delay),
    );
  }

  status(): Record<string, unknown> {
    const s = this.state;
    const replicas = this.cfg.replicas;
    return {
      id: s.id,
      pid: process.pid,
      mode: this.cfg.mode,
      flaws: [...this.cfg.flaws],
      durable: this.durable,
      fsync: this.durable && this.opts.fsync,
      status: s.status,
      view: s.view,
      primary: s.view >= 1 ? primary(s.view, replicas) : null,
      inQuorum: s.view >= 1 ? inQuorum(s.view, replicas, s.id) : false,
      logViewID: s.logViewID,
      syncIndex: s.syncIndex,
      incarnation: s.incarnations[s.id] ?? 0,
      logLength: logLength(s),
      headChecksum: hashAt(s, logLength(s)),
      snapshotIndex: s.base,
      liveEntries: s.log.length,
      uptimeMs: Date.now() - this.started,
      counters: { ...this.counters },
      links: Object.fromEntries(
        [...this.links].map(([peer, l]) => [
          peer,
          { connected: l.connected, sent: l.sent, dropped: l.dropped },
        ]),
      ),
      store: {
        ...this.store.stats,
        ...(this.store instanceof Wal ? { walBytes: this.store.size } : {}),
        notes: this.storeNotes,
      },
    };
  }

  /**
   * The log, or only what follows its first `from` entries with the checksum of those (a reader that holds
   * them and the same checksum needs nothing more). Past the log's end, or before its snapshot, the log from
   * its snapshot on: `from` is then `base`, the number of entries compacted (0 without a snapshot), and
   * `baseChecksum` their prefix checksum.
   */
  logDump(from = 0): Record<string, unknown> {
    const s = this.state;
    const start = from >= s.base && from <= logLength(s) ? from : s.base;
    readerSaw(s, logLength(s));
    return {
      ...this.status(),
      takenAt: Date.now(),
      from: start,
      fromChecksum: hashAt(s, start),
      base: s.base,
      baseChecksum: s.hashes[0],
      log: entriesAfter(s, start).map((e, i) => ({
        index: start + i + 1,
        ...e,
        checksum: hashAt(s, start + i + 1),
      })),
    };
  }

  /** Stop serving, flush what is recorded, release every socket, timer and file. Idempotent. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        for (const t of this.timers.values()) clearTimeout(t);
        this.timers.clear();
        for (const l of this.links.values()) l.close();
        await this.listener?.close();
        await this.adminServer?.close();
        await this.store.close().catch(() => {});
        this.emit('stop', {});
      })();
    }
    return this.stopping;
  }
}

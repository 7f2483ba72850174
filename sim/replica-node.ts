/**
 * One replica process in the simulated world: the real core (`step`) with the runtime's duties done on
 * simulated time: timers (with the same election jitter as jitpaxos/replica.ts), a disk whose writes are
 * durable only once synced, and the rule that a batch's messages leave only after its records are synced.
 * It can crash, lose power, restart and pause.
 */

import type { SeenPrefixes } from '../checkers/dump-stream.js';
import type { ReplicaLogDump } from '../checkers/types.js';
import type { Rng } from '../core/rng.js';
import type { ProtocolConfig } from '../jitpaxos/config.js';
import type { ReplicaEffect, ReplicaTimer } from '../jitpaxos/effects.js';
import type { ClientReply, PeerMessage } from '../jitpaxos/messages.js';
import { inQuorum, primary } from '../jitpaxos/quorum.js';
import {
  initialReplica,
  logLength,
  type ReplicaEvent,
  type ReplicaState,
  readerSaw,
  recoveringReplica,
  restoreReplica,
  step,
} from '../jitpaxos/replica-core.js';
import type { SimClock } from './clock.js';
import { SimDisk } from './disk.js';
import type { EventQueue, SimEvent } from './event-queue.js';

/** What a replica needs from the world around it. */
export interface ReplicaHost {
  queue: EventQueue;
  cfg: ProtocolConfig;
  /** Put a message on the wire (the world applies the network). */
  sendPeer(from: string, to: string, msg: PeerMessage): void;
  sendReply(from: string, client: string, msg: ClientReply): void;
  /** A line of the replica's log (replicas/<id>.log). */
  log(replica: string, event: string, fields: Record<string, unknown>): void;
}

type Send = Extract<ReplicaEffect, { kind: 'send' | 'reply' }>;

export class SimReplica {
  state: ReplicaState | null = null;
  paused = false;
  /** Bumped by every crash: messages and timers of an earlier life are ignored. */
  incarnation = 0;
  readonly disk = new SimDisk();
  private readonly timers = new Map<ReplicaTimer, SimEvent>();
  /** Events that reached the process while it was paused, handled when it resumes. */
  private held: ReplicaEvent[] = [];
  /** Batches of messages waiting for their records to be synced, in order. */
  private outbox: Array<{ need: number; sends: Send[] }> = [];
  private syncing = false;
  private readonly durable: boolean;

  constructor(
    readonly id: string,
    private readonly host: ReplicaHost,
    readonly clock: SimClock,
    private readonly rng: Rng,
    /** Simulated fsync latency, microseconds. */
    private readonly fsyncUs: () => number,
  ) {
    this.durable = !host.cfg.flaws.has('no-durability');
  }

  get up(): boolean {
    return this.state !== null;
  }

  /** Boot from the disk, as ReplicaProcess.start does. */
  start(): void {
    if (this.state) return;
    let s: ReplicaState;
    const notes: string[] = [];
    if (!this.durable) s = initialReplica(this.id);
    else if (this.disk.corrupt) {
      notes.push('WAL damaged before its tail: recovering from peers');
      this.disk.corrupt = false;
      s = recoveringReplica(this.id);
      // As jitpaxos/storage.ts does: the damaged WAL is set aside and a new one holds only "Recovering".
      this.disk.replaceAll([{ t: 'meta', view: 0, status: 'Recovering', logViewID: 0, syncIndex: 0 }]);
    } else {
      const d = this.disk.replay();
      if (d) {
        s = restoreReplica(this.id, d);
        this.disk.compact();
      } else {
        s = initialReplica(this.id);
        // First boot: record Init so that a restart finds view 1 rather than nothing.
        this.disk.write({ t: 'meta', view: s.view, status: s.status, logViewID: s.logViewID, syncIndex: 0 });
        this.disk.markSynced(this.disk.written);
      }
    }
    this.state = s;
    this.host.log(this.id, 'start', {
      mode: this.host.cfg.mode,
      durable: this.durable,
      status: s.status,
      view: s.view,
      logLength: logLength(s),
      snapshotIndex: s.base,
      notes,
    });
    this.handle({ kind: 'start', nonce: this.rng.int(2 ** 31) });
  }

  /** kill -9: memory, timers and unsent messages are gone; the page cache (every write) survives. */
  crash(): void {
    if (!this.state) return;
    this.state = null;
    this.incarnation++;
    this.paused = false;
    this.held = [];
    this.outbox = [];
    this.syncing = false;
    for (const t of this.timers.values()) t.cancelled = true;
    this.timers.clear();
    this.host.log(this.id, 'stop', { how: 'crash' });
  }

  /**
   * Power loss: a crash that also loses unsynced writes, but for a torn prefix of `keep` records; `scramble`
   * leaves a WAL the replica cannot trust (it restarts Recovering).
   */
  powerLoss(torn: boolean, scramble = false): number {
    this.crash();
    const unsynced = this.disk.written - this.disk.durable;
    const lost = this.disk.powerLoss(torn ? this.rng.int(unsynced + 1) : 0);
    if (scramble) this.disk.corrupt = true;
    // What survived, for the replica-state checker: a view entered but never synced (and so never acted
    // on: messages wait for the sync) is legitimately gone after a power loss; after a scramble nothing is
    // (the replica's view starts over, from its peers, however soon it rejoins).
    const d = scramble ? null : this.disk.replay();
    this.host.log(this.id, 'power-loss', {
      atNs: this.host.queue.now * 1000,
      lost,
      ...(scramble ? { scrambled: true } : {}),
      ...(d ? { durableView: d.view, durableLogViewID: d.logViewID } : {}),
    });
    return lost;
  }

  /** A failed disk (disk-loss): a crash, and a WAL the replica cannot trust at its next start. */
  loseDisk(): void {
    this.crash();
    this.disk.corrupt = true;
  }

  pause(): void {
    if (this.state) this.paused = true;
  }

  resume(): void {
    if (!this.state || !this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = [];
    const life = this.incarnation;
    // What queued up while stopped is handled as soon as the process runs again, in arrival order.
    for (const ev of held) this.host.queue.after(0, () => life === this.incarnation && this.deliver(ev));
    if (this.outbox.length > 0 && !this.syncing) this.sync();
  }

  /** An event arrives at the process (message or timer). */
  deliver(ev: ReplicaEvent): void {
    if (!this.state) return;
    if (this.paused) this.held.push(ev);
    else this.handle(ev);
  }

  private handle(ev: ReplicaEvent): void {
    // Client messages and timers carry the replica's clock reading, as in jitpaxos/replica.ts, so that the
    // just-in-time hold runs here too.
    // (Built field by field: a spread of a union-typed object is a slow generic copy on this hot path.)
    if (ev.kind === 'client') ev = { kind: 'client', msg: ev.msg, now: this.clock.read(this.host.queue.now) };
    else if (ev.kind === 'timer')
      ev = { kind: 'timer', name: ev.name, now: this.clock.read(this.host.queue.now) };
    const r = step(this.host.cfg, this.state!, ev);
    this.state = r.state;
    const sends: Send[] = [];
    for (const e of r.effects) {
      switch (e.kind) {
        case 'persist':
          if (this.durable) this.disk.write(e.record);
          break;
        case 'send':
        case 'reply':
          sends.push(e);
          break;
        case 'timer':
          this.setTimer(e.name, e.ms);
          break;
        case 'notice':
          this.host.log(this.id, e.notice.what, {
            detail: e.notice.detail,
            view: r.state.view,
            status: r.state.status,
          });
          break;
      }
    }
    if (sends.length === 0) return;
    // Records first, then the messages: a batch leaves only once everything written before it is synced.
    if (this.outbox.length === 0 && this.disk.durable >= this.disk.written) {
      this.release(sends);
      return;
    }
    this.outbox.push({ need: this.disk.written, sends });
    if (!this.syncing && !this.paused) this.sync();
  }

  private sync(): void {
    this.syncing = true;
    const upTo = this.disk.written;
    const life = this.incarnation;
    this.host.queue.after(this.fsyncUs(), () => {
      if (life !== this.incarnation) return;
      this.syncing = false;
      this.disk.markSynced(upTo);
      if (this.paused) return;
      while (this.outbox.length > 0 && this.outbox[0]!.need <= this.disk.durable) {
        this.release(this.outbox.shift()!.sends);
      }
      if (this.outbox.length > 0) this.sync();
    });
  }

  private release(sends: Send[]): void {
    for (const e of sends) {
      if (e.kind === 'reply') this.host.sendReply(this.id, e.client, e.msg);
      else if (e.to === this.id) {
        const life = this.incarnation;
        const msg = e.msg;
        this.host.queue.after(0, () => life === this.incarnation && this.deliver({ kind: 'peer', msg }));
      } else this.host.sendPeer(this.id, e.to, e.msg);
    }
  }

  private setTimer(name: ReplicaTimer, ms: number | null): void {
    const old = this.timers.get(name);
    if (old) old.cancelled = true;
    this.timers.delete(name);
    if (ms === null) return;
    // Election-type timers get jitter so that replicas do not all time out in the same instant.
    const local = name === 'heartbeat' ? ms : ms * (1 + this.rng.next() * 0.5);
    const ev = this.host.queue.after(Math.round(this.clock.realDuration(local * 1000)), () => {
      this.timers.delete(name);
      this.deliver({ kind: 'timer', name });
    });
    this.timers.set(name, ev);
  }

  /**
   * What `jitter test` would get from the admin API: null while down or paused. A compacted log is given from
   * its snapshot on, vouched for by `seen` as systems/jitpaxos does.
   */
  dump(nowUs: number, final: boolean, seen: SeenPrefixes): ReplicaLogDump | null {
    const s = this.state;
    if (!s || this.paused) return null;
    const replicas = this.host.cfg.replicas;
    const base = s.base;
    const compacted =
      base > 0 ? { index: base, checksum: s.hashes[0]!, seen: seen.seen(this.id, base, s.hashes[0]!) } : null;
    seen.observe(this.id, base, s.hashes[0]!, s.hashes.slice(1), base);
    readerSaw(s, logLength(s));
    return {
      replica: this.id,
      takenAt: nowUs * 1000,
      status: s.status,
      view: s.view,
      logViewID: s.logViewID,
      syncIndex: s.syncIndex,
      inQuorum: s.view >= 1 ? inQuorum(s.view, replicas, s.id) : false,
      log: s.log.slice(),
      ...(final ? { final: true } : {}),
      ...(compacted ? { compacted } : {}),
    };
  }

  /** The primary this replica believes in, when it is Normal. */
  primary(): { view: number; primary: string } | null {
    const s = this.state;
    if (!s || this.paused || s.status !== 'Normal' || s.view < 1) return null;
    return { view: s.view, primary: primary(s.view, this.host.cfg.replicas) };
  }
}

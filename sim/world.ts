/**
 * The simulated world: replicas and clients running the real protocol core, a network, clocks, disks and
 * an event queue on simulated time. All randomness is forked from the run's seed by purpose, so a seed
 * (with the options) determines everything that happens.
 */
import { SeenPrefixes } from '../checkers/dump-stream.js';
import type { ReplicaLogDump } from '../checkers/types.js';
import { clientClockName } from '../core/clocks.js';
import type { Op } from '../core/history.js';
import type { Rng } from '../core/rng.js';
import { clientProxyName, linkProxyName } from '../core/topology.js';
import { HistoryRecorder } from '../harness/recorder.js';
import { DEFAULT_TIMING, makeConfig, type ProtocolConfig } from '../jitpaxos/config.js';
import type { ClientMessage, ClientReply, PeerMessage } from '../jitpaxos/messages.js';
import type { FaultRecord } from '../nemesis/types.js';
import { SimClient } from './client-node.js';
import { SimClock } from './clock.js';
import { EventQueue } from './event-queue.js';
import type { FaultWorld } from './fault-types.js';
import { exp, Network } from './network.js';
import type { SimOptions } from './options.js';
import { SimReplica } from './replica-node.js';

/**
 * Clocks further apart than this (µs) are a standing condition, as a clock fault would be: a well-run fleet
 * keeps its machines' clocks closer.
 */
const FLEET_SPREAD_US = 100_000;

/** Simulated time 0 on every clock: a fixed epoch, so that runs do not depend on when they ran. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

/** One record of a replica's log, as the real replica writes it (one JSON object a line). */
export interface ReplicaLogLine {
  t: number;
  replica: string;
  event: string;
  [field: string]: unknown;
}

export class World implements FaultWorld {
  readonly queue = new EventQueue();
  readonly cfg: ProtocolConfig;
  readonly nodes: string[];
  readonly replicas = new Map<string, SimReplica>();
  readonly clients = new Map<string, SimClient>();
  readonly clientClocks = new Map<string, SimClock>();
  readonly net: Network;
  readonly recorder: HistoryRecorder;
  /** The history, in memory: a simulated run is short and checked at once. */
  readonly history: Op[] = [];
  readonly dumps: ReplicaLogDump[] = [];
  /** Each replica's log records (replicas/<id>.log's lines, not yet encoded: the store writes them). */
  readonly replicaLogs = new Map<string, ReplicaLogLine[]>();
  /** What the dumps so far showed of each replica's log, to vouch for a compacted prefix (as systems/jitpaxos does). */
  private readonly seen = new SeenPrefixes();
  readonly rng: Rng;
  /** The newest view any client learned: a fresh client starts there (as the JIT Paxos adapter's ClientHint, systems/jitpaxos/db.ts). */
  private viewHint = 1;
  /** The highest timestamp a closed client saw: where its successor's hybrid clock starts. */
  private seenTsHint = 0;
  /** After the final heal, new client clocks start right too. */
  private calmed = false;

  constructor(
    readonly o: SimOptions,
    private readonly root: Rng,
  ) {
    this.nodes = Array.from({ length: o.replicas }, (_, i) => `r${i + 1}`);
    this.cfg = makeConfig({
      replicas: this.nodes,
      mode: o.mode,
      flaws: o.flaws,
      timing: {
        maxLeadMs: o.jitLeadMs ?? DEFAULT_TIMING.maxLeadMs,
        ...(o.snapshotEvery !== undefined ? { snapshotEvery: o.snapshotEvery } : {}),
        ...(o.requestLifetimeMs !== undefined ? { requestLifetimeMs: o.requestLifetimeMs } : {}),
      },
    });
    this.net = new Network(root.fork('network'));
    for (const [node, ms] of Object.entries(o.slowNodes ?? {})) this.net.nodeDelayUs.set(node, ms * 1000);
    this.rng = root.fork('faults');
    this.recorder = new HistoryRecorder(null, () => this.queue.now * 1000);
    this.recorder.listen((op) => this.history.push(op));
    const fsyncRng = root.fork('fsync');
    // fdatasync on a fast SSD: ~100 µs, with a long tail.
    const fsyncUs = () => Math.round(80 + exp(fsyncRng, 150));
    const epochUs = SIM_EPOCH_MS * 1000;
    const replicaSpread = o.replicaClockSpreadUs ?? 0;
    for (const id of this.nodes) {
      this.replicaLogs.set(id, []);
      const clock = new SimClock(epochUs);
      if (replicaSpread > 0) clock.skewUs = spread(root.fork(`clock-${id}`), replicaSpread);
      this.replicas.set(id, new SimReplica(id, this, clock, root.fork(`replica-${id}`), fsyncUs));
    }
  }

  /**
   * The world's standing conditions that a fault would otherwise cause (slow machines, clocks further
   * apart than a well-run fleet keeps them), as fault records: the checkers must not hold a run to a quiet period's
   * bounds while they last. They last until the final heal (calm()).
   */
  conditions(): FaultRecord[] {
    const out: FaultRecord[] = [];
    for (const [node, ms] of Object.entries(this.o.slowNodes ?? {})) {
      out.push({ fault: 'slow-machine', node, attributes: { latency: ms, jitter: 0 } });
    }
    const clients = this.o.clientClockSpreadUs ?? 2000;
    const replicas = this.o.replicaClockSpreadUs ?? 0;
    if (clients > FLEET_SPREAD_US || replicas > FLEET_SPREAD_US) {
      out.push({ fault: 'clock-spread', clientsUs: clients, replicasUs: replicas });
    }
    return out;
  }

  /**
   * The final heal: slow machines get fast, clocks beyond the fleet's spread are set right (a jump, as a
   * clock fault's reset); NTP-sized errors stay, as they would.
   */
  calm(): void {
    this.net.nodeDelayUs.clear();
    const clocks = [...[...this.replicas.values()].map((r) => r.clock), ...this.clientClocks.values()];
    for (const c of clocks) if (Math.abs(c.skewUs) > FLEET_SPREAD_US) c.skewUs = 0;
    this.calmed = true;
  }

  get now(): number {
    return this.queue.now;
  }

  fork(purpose: string): Rng {
    return this.root.fork(purpose);
  }

  note(f: 'start' | 'stop', record: FaultRecord): void {
    this.recorder.nemesis(f, record);
  }

  log(replica: string, event: string, fields: Record<string, unknown>): void {
    this.replicaLogs
      .get(replica)
      ?.push({ t: Math.floor(SIM_EPOCH_MS + this.queue.now / 1000), replica, event, ...fields });
  }

  /**
   * Stalled connections (the stall fault) by proxy: the sender's life the connection belongs to, and what it
   * holds, in the order sent. A sender that restarts dials a new connection, which the stall does not hold.
   */
  private readonly stalled = new Map<
    string,
    { life: number; held: Array<{ at: number; arrive: () => void }> }
  >();

  /** What `from` sends `to` on its current connection is held until release(): a stuck connection. */
  stall(from: string, to: string): void {
    const proxy = linkProxyName(from, to);
    if (!this.stalled.has(proxy))
      this.stalled.set(proxy, { life: this.replicas.get(from)!.incarnation, held: [] });
  }

  /** The stall ends: what it held arrives now, in order (or when it would have arrived, if that is later). */
  release(from: string, to: string): void {
    const proxy = linkProxyName(from, to);
    const c = this.stalled.get(proxy);
    this.stalled.delete(proxy);
    for (const m of c?.held ?? []) this.queue.at(Math.max(m.at, this.queue.now), m.arrive);
  }

  sendPeer(from: string, to: string, msg: PeerMessage): void {
    const dest = this.replicas.get(to);
    if (!dest) return;
    const life = dest.incarnation;
    const proxy = linkProxyName(from, to);
    const gen = this.net.generation(proxy);
    for (const at of this.net.deliveries(this.queue.now, from, to, proxy)) {
      // A message on a connection to a process that died since, or through a proxy reset since (partition
      // mode reset), is lost with the connection.
      const arrive = () =>
        life === dest.incarnation && this.net.arrives(proxy, gen) && dest.deliver({ kind: 'peer', msg });
      const stuck = this.stalled.get(proxy);
      if (stuck && stuck.life === this.replicas.get(from)!.incarnation) stuck.held.push({ at, arrive });
      else this.queue.at(at, arrive);
    }
  }

  sendReply(from: string, clientId: string, msg: ClientReply): void {
    const c = this.clients.get(clientId);
    if (!c) return;
    const proxy = clientProxyName(from);
    const gen = this.net.generation(proxy);
    for (const at of this.net.deliveries(this.queue.now, from, c.slotName, proxy)) {
      this.queue.at(at, () => this.net.arrives(proxy, gen) && c.receive(msg));
    }
  }

  send(from: SimClient, to: string, msg: ClientMessage): void {
    const dest = this.replicas.get(to);
    if (!dest || from.closed) return;
    const life = dest.incarnation;
    const proxy = clientProxyName(to);
    const gen = this.net.generation(proxy);
    for (const at of this.net.deliveries(this.queue.now, from.slotName, to, proxy)) {
      this.queue.at(
        at,
        () =>
          life === dest.incarnation && this.net.arrives(proxy, gen) && dest.deliver({ kind: 'client', msg }),
      );
    }
  }

  /** A fresh client for a process, on its slot's clock. */
  newClient(process: number, slot: number): SimClient {
    const name = clientClockName(slot);
    let clock = this.clientClocks.get(name);
    if (!clock) {
      // Client machines' clocks disagree a little even without faults (±2 ms unless the options say).
      clock = new SimClock(SIM_EPOCH_MS * 1000);
      clock.skewUs = spread(this.root.fork(`clock-${slot}`), this.o.clientClockSpreadUs ?? 2000);
      if (this.calmed && Math.abs(clock.skewUs) > FLEET_SPREAD_US) clock.skewUs = 0;
      this.clientClocks.set(name, clock);
    }
    const granularity = this.o.clockGranularityUs;
    const k = clock;
    const read =
      granularity > 1
        ? (t: number) => {
            const x = k.read(t);
            return x - (x % granularity);
          }
        : (t: number) => k.read(t);
    for (const [id, c] of this.clients) {
      if (c.closed) {
        this.viewHint = Math.max(this.viewHint, c.view);
        this.seenTsHint = Math.max(this.seenTsHint, c.state.seenTs);
        this.clients.delete(id);
      }
    }
    const c = new SimClient(
      `c${process}`,
      name,
      this,
      read,
      clock,
      this.o.opTimeoutMs,
      this.viewHint,
      this.seenTsHint,
    );
    this.clients.set(c.id, c);
    return c;
  }

  primary(): string | null {
    let best: { view: number; primary: string } | null = null;
    for (const r of this.replicas.values()) {
      const p = r.primary();
      if (p && (!best || p.view > best.view)) best = p;
    }
    return best?.primary ?? null;
  }

  takeDumps(final: boolean): void {
    for (const r of this.replicas.values()) {
      const d = r.dump(this.queue.now, final, this.seen);
      if (d) this.dumps.push(d);
    }
  }
}

/** Uniform in [-us, us). */
function spread(rng: Rng, us: number): number {
  return rng.int(2 * us) - us;
}

/**
 * JIT Paxos as a system under test for the harness: the *db* (replica processes) and the *client*
 * (JitClient), behind core/db.ts's interfaces; registered as a system in ./index.ts.
 */

import fs from 'node:fs';
import path from 'node:path';
import { type LogSuffix, SeenPrefixes } from '../../checkers/dump-stream.js';
import type { ReplicaLogDump } from '../../checkers/types.js';
import { parseHostPort } from '../../core/cli-util.js';
import type {
  ClientOp,
  ClientOptions,
  ClientOutcome,
  Db,
  DbClient,
  HostPort,
  NodeState,
  SystemUnderTest,
} from '../../core/db.js';
import { JitClient } from '../../jitpaxos/client.js';
import { LocalCluster, type NodeSpec, planCluster } from '../../jitpaxos/cluster.js';
import type { Mode } from '../../jitpaxos/config.js';
import type { Entry, KvOp } from '../../jitpaxos/messages.js';
import { WAL_FILE } from '../../jitpaxos/storage.js';

export interface JitPaxosOptions {
  replicas: number;
  mode: Mode;
  flaws: string[];
  fsync: boolean;
  /** Fixed mode: how far ahead of its clock a client may stamp a request (just in time); 0 turns it off. */
  jitLeadMs?: number;
  /** Fixed mode: entries between checkpoints (the replicas' --snapshot-every); absent: their default. */
  snapshotEvery?: number;
  /** When the run started (ms since the epoch): dump times are reported relative to it. */
  runStartMs: number;
  /** Where each replica's output goes. */
  logFile: (id: string) => string;
}

const fmt = (a: { host: string; port: number }): HostPort => `${a.host}:${a.port}`;

class JitPaxosDb implements Db {
  readonly name = 'jitpaxos';
  readonly nodes: readonly string[];
  private planned: NodeSpec[] = [];
  private cluster: LocalCluster | null = null;
  private readonly pendingEnv = new Map<string, Record<string, string>>();
  /** What the dumps so far showed of each replica's log (prefix checksums from its snapshot on). */
  private readonly dumped = new SeenPrefixes();

  constructor(private readonly o: JitPaxosOptions) {
    this.nodes = Array.from({ length: o.replicas }, (_, i) => `r${i + 1}`);
  }

  async plan(dir: string): Promise<Record<string, HostPort>> {
    this.planned = await planCluster({
      replicas: this.o.replicas,
      mode: this.o.mode,
      fsync: this.o.fsync,
      dir,
      logFile: this.o.logFile,
    });
    return Object.fromEntries(this.planned.map((n) => [n.id, fmt(n.listen)]));
  }

  async setup(peers: Record<string, Record<string, HostPort>>): Promise<void> {
    const nodes = this.planned.map((n) => ({
      ...n,
      peers: Object.fromEntries(
        Object.entries(peers[n.id] ?? {}).map(([p, a]) => [p, parseHostPort('peer', a)]),
      ),
    }));
    this.cluster = new LocalCluster(
      {
        replicas: this.o.replicas,
        mode: this.o.mode,
        flaws: this.o.flaws,
        fsync: this.o.fsync,
        dir: '',
        ...(this.o.snapshotEvery !== undefined
          ? { extraArgs: ['--snapshot-every', String(this.o.snapshotEvery)] }
          : {}),
      },
      nodes,
    );
    for (const [id, env] of this.pendingEnv) this.cluster.env.set(id, env);
    await this.cluster.startAll();
  }

  private c(): LocalCluster {
    if (!this.cluster) throw new Error('the cluster is not set up');
    return this.cluster;
  }

  async teardown(): Promise<void> {
    await this.cluster?.stopAll();
  }

  start(node: string): Promise<void> {
    return this.c().start(node);
  }
  kill(node: string): Promise<void> {
    return this.c().kill(node);
  }
  /** The WAL goes and the marker stays: the replica restarts Recovering (DESIGN §2.4), as with a damaged WAL. */
  async loseDisk(node: string): Promise<void> {
    const c = this.c();
    if (c.isRunning(node)) throw new Error(`loseDisk: ${node} is running`);
    fs.rmSync(path.join(c.node(node).dataDir, WAL_FILE), { force: true });
  }
  pause(node: string): Promise<void> {
    return this.c().pause(node);
  }
  resume(node: string): Promise<void> {
    return this.c().resume(node);
  }
  pid(node: string): number | undefined {
    return this.cluster?.pid(node);
  }

  setEnv(node: string, env: Record<string, string>): void {
    this.pendingEnv.set(node, env);
    this.cluster?.env.set(node, env);
  }

  async state(node: string): Promise<NodeState> {
    const c = this.c();
    const base = { node, running: c.isRunning(node), paused: c.isPaused(node) };
    if (!base.running || base.paused) return base;
    try {
      const status = await c.status(node, 1000);
      return { ...base, status, recovering: status.status === 'Recovering' };
    } catch (err) {
      return { ...base, error: (err as Error).message };
    }
  }

  /** The primary of the highest view any reachable Normal replica reports. */
  async primary(): Promise<string | null> {
    let best: { view: number; primary: string } | null = null;
    for (const id of this.nodes) {
      const s = (await this.state(id)).status;
      if (s?.status !== 'Normal' || typeof s.primary !== 'string') continue;
      const view = Number(s.view);
      if (!best || view > best.view) best = { view, primary: s.primary };
    }
    return best?.primary ?? null;
  }

  /**
   * The replica's log: after the first dump of a node, only what follows the entries it gave last time, when
   * the replica's own prefix checksum says those are unchanged (a long run's logs are not sent whole every
   * few seconds); whole when asked, or when the log was rewritten. A replica that compacted its log gives it from
   * its snapshot on: the dump says so (`compacted`), and whether that prefix is one earlier dumps showed.
   */
  async logDump(node: string, opts: { whole?: boolean } = {}): Promise<ReplicaLogDump | LogSuffix | null> {
    const c = this.c();
    if (!c.isRunning(node) || c.isPaused(node)) return null;
    // The dump's time is ours, taken before asking: the replica's clock may be skewed by the clock
    // nemesis, and the durability check must never think a dump is later than it was.
    const askedAt = Date.now();
    const known = opts.whole ? undefined : this.dumped.head(node);
    try {
      const d = await c.logDump(node, 3000, known?.length ?? 0);
      const raw = d.log as Array<Entry & { index: number; checksum: string }>;
      const log = raw.map(({ ts, client, req, op }) => ({ ts, client, req, op }));
      const from = d.from ?? 0;
      const fromChecksum = d.fromChecksum ?? '';
      const meta = {
        replica: node,
        takenAt: Math.max(0, (askedAt - this.o.runStartMs) * 1e6),
        status: d.status as ReplicaLogDump['status'],
        view: d.view,
        logViewID: d.logViewID,
        syncIndex: d.syncIndex,
        inQuorum: d.inQuorum,
      };
      let out: ReplicaLogDump | LogSuffix;
      if (from === 0) out = { ...meta, log };
      else if (known && from === known.length && fromChecksum === known.checksum)
        out = { ...meta, from, append: log };
      else if (from === (d.base ?? 0)) {
        // The log from the replica's snapshot on, as whole as it gets; is the compacted prefix one we showed?
        const seen = this.dumped.seen(node, from, fromChecksum);
        out = { ...meta, log, compacted: { index: from, checksum: fromChecksum, seen } };
      }
      // The entries we hold were rewritten: the whole log, then.
      else return this.logDump(node, { whole: true });
      this.dumped.observe(
        node,
        from,
        fromChecksum,
        raw.map((e) => e.checksum),
        d.base ?? 0,
      );
      return out;
    } catch {
      return null;
    }
  }
}

/** jitter's workload operations on JIT Paxos's key-value operations. */
export function toKvOp(op: ClientOp): KvOp {
  const key = op.key ?? 'r';
  switch (op.f) {
    case 'read':
      return { f: 'read', key };
    case 'write':
      return { f: 'write', key, value: String(op.value) };
    case 'cas': {
      const [expected, value] = op.value as [string | null, string];
      return { f: 'cas', key, expected, value };
    }
    default:
      throw new Error(`JIT Paxos has no operation "${op.f}"`);
  }
}

/**
 * The highest view any client of the run has learned, and the highest timestamp. The harness replaces a
 * process after an indeterminate operation with a fresh client; starting that client in view 1 would strand
 * it (the seed's clients never resend, so a request sent in a stale view stays stuck) after the first view
 * change, and starting its hybrid clock at 0 would let a lagging clock stamp its requests too far behind
 * the cluster for their lifetime (DESIGN §2.9). A long-lived client would know both: the fresh one starts
 * where its predecessors got to.
 */
class ClientHint {
  view = 1;
  seenTs = 0;
}

class JitPaxosClient implements DbClient {
  private readonly client: JitClient;
  constructor(
    o: JitPaxosOptions,
    c: ClientOptions,
    private readonly hint: ClientHint,
  ) {
    this.client = new JitClient({
      // A fresh id per process: a retired process's requests must never be taken for the new one's.
      id: `c${c.process}`,
      replicas: Object.fromEntries(
        Object.entries(c.addresses).map(([id, a]) => [id, parseHostPort('address', a)]),
      ),
      mode: o.mode,
      flaws: o.flaws,
      clock: c.clock,
      timeoutMs: c.timeoutMs,
      initialView: hint.view,
      initialSeenTs: hint.seenTs,
      ...(o.jitLeadMs !== undefined ? { timing: { maxLeadMs: o.jitLeadMs } } : {}),
    });
  }

  open(): Promise<void> {
    return this.client.open();
  }

  async invoke(op: ClientOp): Promise<ClientOutcome> {
    const r = await this.client.invoke(toKvOp(op));
    this.hint.view = Math.max(this.hint.view, this.client.view);
    this.hint.seenTs = Math.max(this.hint.seenTs, this.client.seenTs);
    if (r.type === 'info') return r;
    if (r.type === 'fail') return r.commit ? { type: 'fail', error: r.error, commit: r.commit } : r;
    const commit = r.commit;
    // A read returns the value read; writes and successful cas echo their argument, as in Jepsen.
    return { type: 'ok', value: op.f === 'read' ? r.value : op.value, commit };
  }

  close(): void {
    this.client.close();
  }
}

export function jitPaxos(o: JitPaxosOptions): SystemUnderTest {
  const hint = new ClientHint();
  return {
    db: new JitPaxosDb(o),
    client: (c) => new JitPaxosClient(o, c, hint),
    describe: () => ({
      system: 'jitpaxos',
      mode: o.mode,
      flaws: o.flaws,
      fsync: o.fsync,
      replicas: o.replicas,
    }),
  };
}

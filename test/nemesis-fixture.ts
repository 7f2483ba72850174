/**
 * A real world for nemesis tests: the embedded Toxiproxy, the proxy topology, a JIT Paxos cluster (real
 * replica processes) and JitClients, joined in the same NemesisWorld the harness uses. Needs the build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Toxiproxy } from 'toxiproxy-node-client';
import { ClockTable, clientClockName } from '../core/clocks.js';
import type { DbClient } from '../core/db.js';
import { createTopology, type Topology } from '../core/topology.js';
import { startToxiproxy, type ToxiproxyHandle } from '../harness/toxiproxy-server.js';
import { type LocalCluster, replicaIds } from '../jitpaxos/cluster.js';
import { ClientConnection } from '../jitpaxos/transport.js';
import type { Fault, NemesisWorld } from '../nemesis/types.js';
import { jitPaxos } from '../systems/jitpaxos/db.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Fixture {
  dir: string;
  world: NemesisWorld;
  topology: Topology;
  clocks: ClockTable;
  proxy: Toxiproxy;
  /** The Toxiproxy API's base URL. */
  url: string;
  clients: DbClient[];
  /** Admin status of a replica (undefined while it is down or stopped). */
  status(node: string): Promise<Record<string, unknown> | undefined>;
  /** Admin status of a running replica, asked again until it answers (a busy machine can miss one ask). */
  answeredStatus(node: string): Promise<Record<string, unknown>>;
  /** n writes spread over the clients, in parallel per client; how many were ok. */
  writes(n: number): Promise<number>;
  /** Rounds of writes until at least n were ok (a busy machine times some out); how many were ok. */
  commits(n: number, ms?: number): Promise<number>;
  close(): Promise<void>;
}

export async function until(
  cond: () => Promise<boolean> | boolean,
  ms: number,
  what: string,
  /** What to add to the error, e.g. the state that was waited on. */
  detail?: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      const more = detail ? `: ${await detail().catch((e) => String(e))}` : '';
      throw new Error(`timed out after ${ms} ms waiting for ${what}${more}`);
    }
    await sleep(50);
  }
}

export async function bringUp(
  o: {
    replicas?: number;
    clients?: number;
    faults?: Fault[];
    timeoutMs?: number;
    /** `--toxiproxy` syntax; default the embedded server. */
    toxiproxy?: string;
  } = {},
): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-nemesis-'));
  let tp: ToxiproxyHandle | null = await startToxiproxy(o.toxiproxy ?? 'embedded', { seed: 1 });
  const sut = jitPaxos({
    replicas: o.replicas ?? 3,
    mode: 'fixed',
    flaws: [],
    fsync: false,
    runStartMs: Date.now(),
    logFile: (id) => path.join(dir, 'replicas', `${id}.log`),
  });
  const db = sut.db;
  try {
    const listen = await db.plan(path.join(dir, 'nodes'));
    const proxy = new Toxiproxy(tp.url);
    const topology = await createTopology(
      proxy,
      Object.entries(listen).map(([id, addr]) => ({ id, listen: addr })),
    );
    for (const f of o.faults ?? []) f.prepare?.({ db, nodesDir: path.join(dir, 'nodes') });
    await db.setup(topology.peers);
    await until(async () => (await db.primary!()) !== null, 10_000, 'a primary');
    const clocks = new ClockTable();
    const clients = Array.from({ length: o.clients ?? 3 }, (_, i) =>
      sut.client({
        process: i,
        addresses: topology.clients,
        clock: clocks.clock(clientClockName(i)),
        timeoutMs: o.timeoutMs ?? 1000,
      }),
    );
    const world: NemesisWorld = { db, toxiproxy: proxy, topology, clocks, log: () => {} };
    let seq = 0;
    const writeRound = async (n: number): Promise<number> => {
      let ok = 0;
      await Promise.all(
        clients.map(async (c, i) => {
          for (let k = i; k < n; k += clients.length) {
            const r = await c.invoke({ f: 'write', key: 'x', value: String(seq++) });
            if (r.type === 'ok') ok++;
          }
        }),
      );
      return ok;
    };
    return {
      dir,
      world,
      topology,
      clocks,
      proxy,
      url: tp.url,
      clients,
      status: async (node) => (await db.state(node)).status,
      answeredStatus: async (node) => {
        let st: Record<string, unknown> | undefined;
        await until(
          async () => {
            st = (await db.state(node)).status;
            return st !== undefined;
          },
          30_000,
          `${node}'s status`,
        );
        return st!;
      },
      commits: async (n, ms = 60_000) => {
        let ok = 0;
        await until(
          async () => {
            ok += await writeRound(n - ok);
            return ok >= n;
          },
          ms,
          `${n} commits`,
        );
        return ok;
      },
      writes: (n) => writeRound(n),
      close: async () => {
        for (const c of clients) c.close();
        await db.teardown().catch(() => {});
        await tp?.stop();
        tp = null;
      },
    };
  } catch (err) {
    await db.teardown().catch(() => {});
    await tp.stop();
    throw err;
  }
}

export const nodeIds = (n = 3) => replicaIds(n);

/** The kernel's state letter of a process (R, S, T for stopped...), or null if there is no such process. */
export function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
  } catch {
    return null;
  }
}

/**
 * Move the cluster to view `view` the way a client does: a ClientRequest in a higher view makes a replica
 * join that view's change (PROTOCOL.md). Used to put a chosen replica in the quorum or make it primary.
 */
export async function moveToView(fx: Fixture, view: number): Promise<void> {
  const conns = Object.values(fx.topology.clients).map((a) => {
    const i = a.lastIndexOf(':');
    return new ClientConnection({
      host: a.slice(0, i),
      port: Number(a.slice(i + 1)),
      log: () => {},
      onMessage: () => {},
    });
  });
  try {
    await until(
      async () => {
        for (const c of conns)
          c.send({
            type: 'ClientRequest',
            client: 'view-mover',
            viewID: view,
            reqID: 1,
            ts: Date.now() * 1000,
            born: Date.now() * 1000,
            op: { f: 'read', key: 'x' },
          });
        await sleep(200);
        const st = await Promise.all(fx.world.db.nodes.map((n) => fx.status(n)));
        return st.every((s) => s?.status === 'Normal' && Number(s.view) >= view);
      },
      15_000,
      `view ${view}`,
    );
  } finally {
    for (const c of conns) c.close();
  }
}

/** A replica's admin /log dump as the replica itself stamps it (takenAt from its own, maybe faked, clock). */
export async function adminLog(fx: Fixture, node: string): Promise<{ takenAt: number }> {
  const cluster = (fx.world.db as unknown as { cluster: LocalCluster }).cluster;
  // A busy machine can be slow to answer; the caller brackets the time it took.
  return cluster.logDump(node, 10_000);
}

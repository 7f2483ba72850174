/**
 * Partitions, client partitions, latency and reordering acting on a real 3-replica JIT Paxos cluster through the
 * embedded Toxiproxy. Each test measures the effect on the replicas or clients, not only the API calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benignFault } from '../checkers/availability.js';
import { Rng } from '../core/rng.js';
import { inQuorum, primary as primaryOf } from '../jitpaxos/quorum.js';
import { ClientPartitionFault } from '../nemesis/client-partition.js';
import { LatencyFault } from '../nemesis/latency.js';
import { PartitionFault } from '../nemesis/partition.js';
import { ReorderFault } from '../nemesis/reorder.js';
import { bringUp, type Fixture, moveToView, nodeIds, until } from './nemesis-fixture.js';
import { canConnect } from './toxiproxy-helpers.js';

const len = async (fx: Fixture, n: string) => Number((await fx.answeredStatus(n)).logLength);
const view = async (fx: Fixture, n: string) => Number((await fx.answeredStatus(n)).view);
const listenOf = (fx: Fixture, name: string) => fx.topology.proxies.find((p) => p.name === name)!.listen;
const toxics = async (fx: Fixture, name: string) =>
  (await (await fetch(`${fx.url}/proxies/${encodeURIComponent(name)}/toxics`)).json()) as Array<{
    name: string;
    type: string;
    stream: string;
  }>;

describe('network faults on a real cluster', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await bringUp();
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('silent partition of r3: its log stops growing while the others commit; connections are held', async () => {
    const nodes = nodeIds();
    // In a view r3 leads (5 is the first, quorum {r3, r1}), r3's log grows with every write when nothing is cut.
    // A busy machine can change views under the writes (r3 then misses them); move to the next view r3 leads and
    // write again, until a round of writes lands whole in r3's log.
    await until(
      async () => {
        let v = Math.max(5, ...(await Promise.all(nodes.map((n) => view(fx, n)))));
        while (primaryOf(v, nodes) !== 'r3') v++;
        try {
          await moveToView(fx, v);
        } catch {
          return false; // overtaken by another view change: aim again
        }
        const before = await len(fx, 'r3');
        await fx.commits(10);
        return (await len(fx, 'r3')) >= before + 10;
      },
      120_000,
      "10 writes in r3's log while it leads",
    );

    const p = new PartitionFault();
    const rec = await p.start(fx.world, { topology: 'one', mode: 'silent', order: ['r3', 'r1', 'r2'] });
    expect(rec.cut).toEqual(['r3->r1', 'r3->r2', 'r1->r3', 'r2->r3']);
    // The others elect a view without r3 and commit in it; then r3 hears nothing and gets nothing.
    await until(async () => !inQuorum(await view(fx, 'r1'), nodes, 'r3'), 30_000, 'a view without r3');
    await fx.commits(3);
    const [r3, r1] = [await len(fx, 'r3'), await len(fx, 'r1')];
    const ok = await fx.commits(25);
    expect(await len(fx, 'r1')).toBeGreaterThanOrEqual(r1 + ok);
    expect(await len(fx, 'r3')).toBe(r3);
    // Silent: the proxy still accepts connections, it only drops the data.
    expect(await canConnect(listenOf(fx, 'r3->r1'))).toBe(true);
    await p.stop(fx.world);
    expect(await toxics(fx, 'r3->r1')).toEqual([]);
  }, 300_000);

  it('reset partition: connections to the cut links are refused, and the replicas see the links down', async () => {
    const p = new PartitionFault();
    await p.start(fx.world, { topology: 'one', mode: 'reset', order: ['r3', 'r1', 'r2'] });
    expect(await canConnect(listenOf(fx, 'r3->r1'))).toBe(false);
    expect(await canConnect(listenOf(fx, 'r1->r3'))).toBe(false);
    expect(await canConnect(listenOf(fx, 'r1->r2'))).toBe(true);
    const links = async (n: string) =>
      (await fx.status(n))?.links as Record<string, { connected: boolean }> | undefined;
    await until(
      async () =>
        (await links('r3'))?.r1?.connected === false && (await links('r1'))?.r3?.connected === false,
      10_000,
      'r1<->r3 links down',
    );
    expect((await links('r1'))?.r2?.connected).toBe(true);
    await p.stop(fx.world);
    expect(await canConnect(listenOf(fx, 'r3->r1'))).toBe(true);
    await until(async () => (await links('r3'))?.r1?.connected === true, 15_000, 'r3->r1 reconnected');
  }, 60_000);

  it('one-way: only what the primary sends is cut; the others move on and the old primary hears them', async () => {
    await until(
      async () => (await fx.world.db.primary!()) !== null && (await fx.writes(3)) > 0,
      20_000,
      'a primary',
    );
    const p = new PartitionFault();
    const old = (await fx.world.db.primary!())!;
    const v0 = await view(fx, old);
    const order = [old, ...nodeIds().filter((n) => n !== old)];
    const rec = await p.start(fx.world, { topology: 'primary', mode: 'one-way', order });
    expect(rec.primary).toBe(old);
    for (const n of nodeIds().filter((x) => x !== old)) {
      expect((await toxics(fx, `${old}->${n}`)).map((t) => t.type)).toEqual(['timeout']);
      expect(await toxics(fx, `${n}->${old}`)).toEqual([]);
    }
    // Cut both ways, the old primary would stay in its view forever; cut one way, it learns the new one.
    await until(async () => (await view(fx, old)) > v0, 30_000, `${old} learns a newer view`);
    const others = nodeIds().filter((n) => n !== old);
    for (const n of others) expect(await view(fx, n)).toBeGreaterThan(v0);
    await p.stop(fx.world);
  }, 60_000);

  it('client partition: while clients are cut off the primary, nothing commits in its view', async () => {
    await until(async () => (await fx.writes(3)) > 0, 20_000, 'writes commit');
    const cp = new ClientPartitionFault();
    const rec = await cp.start(fx.world, { target: 'primary', order: nodeIds(), mode: 'silent' });
    const cutOff = rec.targets as string[];
    expect(cutOff).toHaveLength(1);
    expect((await toxics(fx, `client->${cutOff[0]}`)).map((t) => t.stream).sort()).toEqual([
      'downstream',
      'upstream',
    ]);
    const views: number[] = [];
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && views.length < 10) {
      const r = await fx.clients[0]!.invoke({ f: 'write', key: 'y', value: String(Date.now()) });
      if (r.type === 'ok' && r.commit) views.push(r.commit.view);
    }
    for (const v of views) expect(primaryOf(v, nodeIds())).not.toBe(cutOff[0]);
    await cp.stop(fx.world);
    expect(await toxics(fx, `client->${cutOff[0]}`)).toEqual([]);
  }, 60_000);

  it('latency of 100 ms on the client links shows in client latencies, and goes away on stop', async () => {
    await until(async () => (await fx.writes(3)) === 3, 20_000, 'a calm cluster');
    /** Durations of 9 writes in a row, ms, of those that were ok, sorted. */
    const samples = async () => {
      const ms: number[] = [];
      for (let i = 0; i < 9; i++) {
        const t = performance.now();
        const r = await fx.clients[1]!.invoke({ f: 'write', key: 'z', value: String(i) });
        if (r.type === 'ok') ms.push(performance.now() - t);
      }
      return ms.sort((a, b) => a - b);
    };
    const median = async () => {
      const ms = await samples();
      return ms[ms.length >> 1] ?? Number.NaN;
    };
    // The toxic adds 200 ms to every write; a write quicker than that shows the links are not delayed. A busy
    // machine only slows writes down, so it is asked for again until one is that quick.
    const undelayed = (what: string) =>
      until(async () => ((await samples())[0] ?? Number.POSITIVE_INFINITY) < 190, 30_000, what);
    await undelayed('a write under 190 ms before the latency');
    const f = new LatencyFault();
    const rec = await f.start(fx.world, {
      scope: 'clients',
      proxies: nodeIds().map((n) => `client->${n}`),
      attributes: { latency: 100, jitter: 0 },
    });
    expect(rec.attributes).toEqual({ latency: 100, jitter: 0 });
    // 100 ms on the request and 100 ms on the reply.
    expect(await median()).toBeGreaterThanOrEqual(195);
    await f.stop(fx.world);
    await undelayed('a write under 190 ms once the latency is gone');
  }, 60_000);

  it('reorder puts latency with as much jitter on every client link, both ways, and only there', async () => {
    const f = new ReorderFault();
    const params = f.plan(new Rng(3), nodeIds());
    expect(params).toMatchObject({ scope: 'clients', proxies: nodeIds().map((n) => `client->${n}`) });
    const rec = await f.start(fx.world, params);
    const { latency, jitter } = rec.attributes as { latency: number; jitter: number };
    expect(jitter).toBe(latency);
    for (const n of nodeIds()) {
      const on = await toxics(fx, `client->${n}`);
      expect(on.map((t) => `${t.type}/${t.stream}`).sort()).toEqual([
        'latency/downstream',
        'latency/upstream',
      ]);
    }
    expect(await toxics(fx, 'r1->r2')).toEqual([]);
    // Small enough that the availability checker holds the cluster to its bound while it lasts.
    expect(benignFault(rec)).toBe(true);
    await f.stop(fx.world);
    for (const n of nodeIds()) expect(await toxics(fx, `client->${n}`)).toEqual([]);
  }, 60_000);
});

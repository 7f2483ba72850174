/**
 * The cluster topology through the embedded Toxiproxy, with plain TCP servers standing in for replicas:
 * each directed proxy carries exactly one direction, and cutting or slowing "r1->r2" touches nothing else.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allocatePorts,
  clientProxyName,
  createTopology,
  linkProxyName,
  peerArgs,
  planProxies,
  type Topology,
} from '../core/topology.js';
import { type RunningServer, startServer } from '../toxiproxy/server.js';

const IDS = ['r1', 'r2', 'r3'];

/** A stand-in replica: records "<sender>:<payload>" lines it receives, answers nothing. */
interface StandIn {
  id: string;
  listen: string;
  lines: string[];
  server: net.Server;
}

let tp: RunningServer;
let client: Toxiproxy;
let replicas: StandIn[];
let topo: Topology;

beforeAll(async () => {
  tp = await startServer({ port: 0, seed: 1 });
  client = new Toxiproxy(tp.url);
  const ports = await allocatePorts(IDS.length);
  replicas = await Promise.all(
    IDS.map(
      (id, i) =>
        new Promise<StandIn>((resolve) => {
          const lines: string[] = [];
          const server = net.createServer((s) => {
            let buf = '';
            s.on('data', (d) => {
              buf += d;
              for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
                lines.push(buf.slice(0, nl));
                buf = buf.slice(nl + 1);
              }
            });
            s.on('error', () => {});
          });
          server.listen(ports[i], '127.0.0.1', () =>
            resolve({ id, listen: `127.0.0.1:${ports[i]}`, lines, server }),
          );
        }),
    ),
  );
  topo = await createTopology(client, replicas);
});

afterAll(async () => {
  await tp.close();
  for (const r of replicas) r.server.close();
});

/** Send one line from `from` to `to` through the address `from` dials for `to`; resolves with the latency or 'refused'. */
function send(from: string, to: string, payload: string): Promise<number | 'refused'> {
  const addr = topo.peers[from]![to]!;
  const [host, port] = addr.split(':');
  const target = replicas.find((r) => r.id === to)!;
  const line = `${from}:${payload}`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = net.connect({ host, port: Number(port), noDelay: true });
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' ? resolve('refused') : reject(e)));
    s.on('connect', () => {
      s.write(`${line}\n`);
      const poll = setInterval(() => {
        if (target.lines.includes(line)) {
          clearInterval(poll);
          s.destroy();
          resolve(performance.now() - t0);
        } else if (performance.now() - t0 > 10_000) {
          clearInterval(poll);
          s.destroy();
          reject(new Error(`${line} never reached ${to}`));
        }
      }, 2);
    });
  });
}

describe('topology', () => {
  it('plans one proxy per directed link plus one client proxy per replica, with stable names', () => {
    const names = planProxies(replicas).map((p) => p.name);
    expect(names.sort()).toEqual(
      [
        'r1->r2',
        'r1->r3',
        'r2->r1',
        'r2->r3',
        'r3->r1',
        'r3->r2',
        'client->r1',
        'client->r2',
        'client->r3',
      ].sort(),
    );
    expect(linkProxyName('r1', 'r2')).toBe('r1->r2');
    expect(clientProxyName('r3')).toBe('client->r3');
    for (const p of topo.proxies) {
      expect(p.listen).toMatch(/^127\.0\.0\.1:\d+$/);
      const to = p.name.split('->')[1]!;
      expect(p.upstream).toBe(replicas.find((r) => r.id === to)!.listen);
    }
    // Every proxy has its own address, so a replica's dial target identifies the link.
    expect(new Set(topo.proxies.map((p) => p.listen)).size).toBe(topo.proxies.length);
  });

  it('gives each replica its --peer arguments and clients one address per replica', async () => {
    const args = peerArgs(topo, 'r1');
    expect(args).toEqual(['--peer', `r2=${topo.peers.r1!.r2}`, '--peer', `r3=${topo.peers.r1!.r3}`]);
    const all = await client.getAll();
    expect(topo.peers.r1!.r2).toBe(all['r1->r2']!.listen);
    expect(topo.clients.r2).toBe(all['client->r2']!.listen);
    expect(() => peerArgs(topo, 'r9')).toThrow(/unknown replica/);
  });

  it('carries every direction, and disabling r1->r2 stops exactly that one', async () => {
    for (const a of IDS)
      for (const b of IDS) if (a !== b) expect(await send(a, b, 'before')).not.toBe('refused');

    await (await client.get('r1->r2')).update({
      enabled: false,
      listen: topo.peers.r1!.r2!,
      upstream: replicas[1]!.listen,
    });
    expect(await send('r1', 'r2', 'cut')).toBe('refused');
    expect(replicas[1]!.lines).not.toContain('r1:cut');
    for (const [a, b] of [
      ['r2', 'r1'],
      ['r1', 'r3'],
      ['r3', 'r2'],
      ['r2', 'r3'],
      ['r3', 'r1'],
    ] as const) {
      expect(await send(a, b, 'during')).not.toBe('refused');
    }

    await client.reset();
    expect(await send('r1', 'r2', 'healed')).not.toBe('refused');
  });

  it('a toxic on r1->r2 slows only r1 to r2', async () => {
    const p = await client.get('r1->r2');
    await p.addToxic({
      name: 'slow',
      type: 'latency',
      stream: 'upstream',
      toxicity: 1,
      attributes: { latency: 200, jitter: 0 },
    });
    /**
     * The quickest of a few sends (distinct payloads), stopping at the first under 190 ms. The toxic holds every
     * line on its link for 200 ms, so only an undelayed link gets under that; a busy machine only adds time, and
     * gets more tries.
     */
    const quickest = async (from: string, to: string) => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 10 && best >= 190; i++) {
        const ms = await send(from, to, `fast${i}`);
        if (ms !== 'refused') best = Math.min(best, ms);
      }
      return best;
    };
    try {
      expect(await send('r1', 'r2', 'slow')).toBeGreaterThanOrEqual(190);
      expect(await quickest('r2', 'r1')).toBeLessThan(190);
      expect(await quickest('r1', 'r3')).toBeLessThan(190);
      // The toxic was still on: r1 to r2 is as slow as before.
      expect(await send('r1', 'r2', 'slow again')).toBeGreaterThanOrEqual(190);
    } finally {
      await client.reset();
    }
  });

  it('client proxies reach their replica', async () => {
    for (const r of replicas) {
      const [host, port] = topo.clients[r.id]!.split(':');
      await new Promise<void>((resolve) => {
        const s = net.connect({ host, port: Number(port) }, () => s.end(`client:${r.id}\n`, () => resolve()));
      });
    }
    for (const r of replicas) {
      await expect.poll(() => r.lines.includes(`client:${r.id}`), { timeout: 10_000 }).toBe(true);
    }
  });

  it('rejects bad replica lists clearly', () => {
    expect(() => planProxies([])).toThrow(/at least one replica/);
    expect(() => planProxies([{ id: 'a->b', listen: '127.0.0.1:1' }])).toThrow(/must match/);
    expect(() => planProxies([{ id: 'client', listen: '127.0.0.1:1' }])).toThrow(/reserved/);
    expect(() =>
      planProxies([
        { id: 'r1', listen: '127.0.0.1:1' },
        { id: 'r1', listen: '127.0.0.1:2' },
      ]),
    ).toThrow(/duplicate/);
    expect(() => planProxies([{ id: 'r1', listen: '7001' }])).toThrow(/host:port/);
  });
});

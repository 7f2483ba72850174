/**
 * Data-path behaviour where Toxiproxy's own semantics matter to a client or the harness: half-close ends the
 * connection, removing a timeout closes its connections, and changing the chain lets held data go. Runs against
 * the embedded server and, with JITTER_REAL_TOXIPROXY set, the real one.
 */
import type { ICreateToxicBody, Proxy as ToxiProxy } from 'toxiproxy-node-client';
import { describe, expect, it } from 'vitest';
import { type Probe, proxyWorld, raw, SERVERS, sleep } from './toxiproxy-helpers.js';

/** Long enough that data seen within it was released, not delivered on schedule. */
const HOLD_MS = 6000;
/** Lets bytes written on loopback reach the proxy before the toxics change (nothing to observe them by). */
const SETTLE_MS = 300;

describe.each(SERVERS)('%s server', (kind) => {
  const world = proxyWorld(kind, 'dp');
  const { proxyTo, probe } = world;
  const gone = (p: Probe) => p.endedAt !== undefined || p.closedAt !== undefined;
  const addToxic = (proxy: ToxiProxy, body: Record<string, unknown>) =>
    proxy.addToxic({ toxicity: 1, ...body } as unknown as ICreateToxicBody<unknown>);

  describe('half-close', () => {
    it("the client's FIN ends the whole connection, though the server keeps its side open", async () => {
      const serverSide: { ended: boolean }[] = [];
      const { proxy } = await proxyTo((s) => {
        const state = { ended: false };
        serverSide.push(state);
        s.on('end', () => (state.ended = true));
        s.on('data', () => {});
      }, true);
      const p = await probe(proxy.listen);
      p.socket.end('bye');
      // The server never ends its side, yet the client hears the connection end.
      await p.until(() => gone(p), 5000, 'client sees the end');
      await p.until(() => serverSide[0]?.ended === true, 5000, "the server hears the client's FIN");
    });

    it("the server's FIN ends the whole connection: what the client sends after it is not delivered", async () => {
      const received: string[] = [];
      const { proxy, tgt } = await proxyTo((s) => {
        s.on('data', (d) => received.push(String(d)));
        s.end('last words');
      }, true);
      const p = await probe(proxy.listen);
      await p.until(() => p.endedAt !== undefined, 5000, 'end from the server');
      expect(p.text).toBe('last words');
      await p.until(() => tgt.sockets[0]?.destroyed === true, 5000, 'server side closed');
      p.socket.write('too late', () => {});
      await sleep(SETTLE_MS);
      expect(received).toEqual([]);
    });
  });

  describe('timeout removal', () => {
    it('closes the connections the toxic sat on, on both sides, and new ones flow', async () => {
      const { proxy, tgt } = await proxyTo();
      const p = await probe(proxy.listen);
      p.socket.write('a');
      await p.until(() => p.text === 'a', 5000, 'echo before');
      const tox = await addToxic(proxy, { name: 'cut', type: 'timeout', stream: 'upstream', attributes: {} });
      await tox.remove();
      await p.until(() => gone(p), 5000, 'client side closed');
      await p.until(() => tgt.sockets[0]?.destroyed === true, 5000, 'server side closed');
      const again = await probe(proxy.listen);
      again.socket.write('b');
      await again.until(() => again.text === 'b', 5000, 'echo after');
    });

    it('also through /reset', async () => {
      const { proxy } = await proxyTo();
      const p = await probe(proxy.listen);
      await addToxic(proxy, { name: 'cut', type: 'timeout', stream: 'downstream', attributes: {} });
      expect((await raw(world.t.url, 'POST', '/reset')).status).toBe(204);
      await p.until(() => gone(p), 5000, 'closed by reset');
    });
  });

  describe('restarting a toxic lets held data go', () => {
    it('updating a latency toxic releases the chunk it holds at once', async () => {
      const { proxy } = await proxyTo();
      const tox = await addToxic(proxy, {
        name: 'slow',
        type: 'latency',
        stream: 'upstream',
        attributes: { latency: HOLD_MS },
      });
      const p = await probe(proxy.listen);
      const t0 = performance.now();
      p.socket.write('held');
      await sleep(SETTLE_MS);
      expect(p.bytes).toBe(0);
      await raw(
        world.t.url,
        'PATCH',
        `/proxies/${proxy.name}/toxics/${tox.name}`,
        '{"attributes": {"jitter": 1}}',
      );
      await p.until(() => p.text === 'held', HOLD_MS, 'released data');
      expect(performance.now() - t0).toBeLessThan(HOLD_MS);
    });

    it('adding another toxic in the same direction releases what the last one holds', async () => {
      const { proxy } = await proxyTo();
      await addToxic(proxy, {
        name: 'slow',
        type: 'latency',
        stream: 'upstream',
        attributes: { latency: HOLD_MS },
      });
      const p = await probe(proxy.listen);
      const t0 = performance.now();
      p.socket.write('held');
      await sleep(SETTLE_MS);
      await addToxic(proxy, {
        name: 'other',
        type: 'latency',
        stream: 'upstream',
        attributes: { latency: 0 },
      });
      await p.until(() => p.text === 'held', HOLD_MS, 'released data');
      expect(performance.now() - t0).toBeLessThan(HOLD_MS);
    });

    it('a toxic on the other direction leaves it held', async () => {
      const { proxy } = await proxyTo();
      await addToxic(proxy, {
        name: 'slow',
        type: 'latency',
        stream: 'upstream',
        attributes: { latency: 1500 },
      });
      const p = await probe(proxy.listen);
      const t0 = performance.now();
      p.socket.write('held');
      await sleep(SETTLE_MS);
      await addToxic(proxy, {
        name: 'other',
        type: 'latency',
        stream: 'downstream',
        attributes: { latency: 0 },
      });
      await p.until(() => p.text === 'held', 5000, 'data on schedule');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(1400);
    });
  });
});

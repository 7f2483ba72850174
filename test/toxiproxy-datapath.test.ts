/**
 * Data-path behaviour where Toxiproxy's own semantics matter to a client or the harness: half-close ends the
 * connection, removing a timeout closes its connections, and changing the chain lets held data go. Runs against
 * the embedded server and, with JITTER_REAL_TOXIPROXY set, the real one.
 */
import type { ICreateToxicBody, Proxy as ToxiProxy } from 'toxiproxy-node-client';
import { describe, expect, it } from 'vitest';
import { type Probe, proxyWorld, raw, SERVERS, sleep } from './toxiproxy-helpers.js';

/** How long a latency toxic holds data: data seen within half of it was released, not delivered on schedule. */
const HOLD_MS = 20_000;
/**
 * How long a write the proxy must not deliver is given to show up anyway, and how long bytes are given to reach
 * the proxy before a toxic changes. Neither decides a test on a slow machine: it only shows less, or tries again.
 */
const QUIET_MS = 300;

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
      await sleep(QUIET_MS);
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
    /**
     * Nothing shows when bytes written to the proxy are inside it, and only bytes inside the toxic when it changes
     * are released; bytes that get there later are held the full HOLD_MS. So each test makes its change, and makes
     * it again (on a fresh connection where needed) until data comes out: released data comes out within
     * HOLD_MS / 2 of its write, data on schedule no sooner than HOLD_MS after it.
     */
    const released = (p: Probe, t0: number) =>
      p.text === 'held' && p.chunks[p.chunks.length - 1]!.at - t0 < HOLD_MS / 2;
    /** Did `cond` hold within `ms`? */
    const within = (p: Probe, cond: () => boolean, ms: number) =>
      p.until(cond, ms).then(
        () => true,
        () => false,
      );

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
      await sleep(QUIET_MS);
      expect(p.bytes).toBe(0);
      // Jitter 0 or 1: data not released comes out HOLD_MS - 1 ms after reaching the proxy at the soonest.
      for (let n = 0; p.bytes === 0 && performance.now() - t0 < HOLD_MS / 2; n++) {
        const body = `{"attributes": {"jitter": ${n % 2}}}`;
        await raw(world.t.url, 'PATCH', `/proxies/${proxy.name}/toxics/${tox.name}`, body);
        await within(p, () => p.bytes > 0, 500);
      }
      await p.until(() => p.text === 'held', HOLD_MS, 'released data');
      expect(released(p, t0)).toBe(true);
    }, 60_000);

    it('adding another toxic in the same direction releases what the last one holds', async () => {
      // Adding again would not help (the new toxic is then the last one): each try is a proxy of its own.
      const attempt = async () => {
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
        // Time for the bytes to reach the proxy on an idle machine; on a busy one this try may miss.
        await sleep(QUIET_MS);
        expect(p.bytes).toBe(0);
        await addToxic(proxy, {
          name: 'other',
          type: 'latency',
          stream: 'upstream',
          attributes: { latency: 0 },
        });
        return { p, t0 };
      };
      const tries: { p: Probe; t0: number }[] = [];
      const start = performance.now();
      const any = () => tries.some((t) => t.p.bytes > 0);
      while (!any() && performance.now() - start < HOLD_MS / 2) {
        tries.push(await attempt());
        await within(tries[0]!.p, any, 1000);
      }
      const out = tries.find((t) => t.p.bytes > 0);
      expect(out, 'no try released its data').toBeDefined();
      await out!.p.until(() => out!.p.text === 'held', HOLD_MS, 'released data');
      expect(released(out!.p, out!.t0)).toBe(true);
    }, 60_000);

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
      // Usually enough for the bytes to reach the proxy before the change; later ones are held all the same.
      await sleep(QUIET_MS);
      expect(p.bytes).toBe(0);
      await addToxic(proxy, {
        name: 'other',
        type: 'latency',
        stream: 'downstream',
        attributes: { latency: 0 },
      });
      await p.until(() => p.text === 'held', 10_000, 'data on schedule');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(1400);
    });
  });
});

/**
 * API conformance: every endpoint, its JSON shape, status codes and error bodies, driven through
 * toxiproxy-node-client (raw HTTP only where the client has no call or hides the body). Runs against the embedded
 * server and, with JITTER_REAL_TOXIPROXY set, the real one. Proxy objects are matched, not compared whole: the real
 * server adds fields (2.12 prints its `Logger`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  canConnect,
  clearProxies,
  Probe,
  raw,
  SERVERS,
  serverUnderTest,
  type Target,
  target,
  type UnderTest,
} from './toxiproxy-helpers.js';

describe.each(SERVERS)('%s server', (kind) => {
  let t: UnderTest;
  let echo: Target;

  beforeAll(async () => {
    t = await serverUnderTest(kind);
    echo = await target();
  });
  afterAll(async () => {
    await clearProxies(t);
    await t.close();
    await echo.close();
  });
  beforeEach(() => clearProxies(t));

  const errorBody = (status: number, error: string | RegExp) => ({
    status,
    error: typeof error === 'string' ? error : expect.stringMatching(error),
  });

  describe('proxies', () => {
    it('creates a proxy on a free loopback port and lists it', async () => {
      const p = await t.client.createProxy({ name: 'api_a', listen: '127.0.0.1:0', upstream: echo.addr });
      expect(p.name).toBe('api_a');
      expect(p.listen).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(p.listen).not.toBe('127.0.0.1:0');
      expect(p.upstream).toBe(echo.addr);
      expect(p.enabled).toBe(true);
      expect(await canConnect(p.listen)).toBe(true);

      const all = await t.client.getAll();
      expect(Object.keys(all)).toEqual(['api_a']);
      expect(all.api_a?.listen).toBe(p.listen);

      const shown = await raw(t.url, 'GET', '/proxies/api_a');
      expect(shown.status).toBe(200);
      expect(shown.json).toMatchObject({
        name: 'api_a',
        listen: p.listen,
        upstream: echo.addr,
        enabled: true,
        toxics: [],
      });
    });

    it('answers 201 on create, 409 on a duplicate name', async () => {
      const body = JSON.stringify({ name: 'api_dup', listen: '127.0.0.1:0', upstream: echo.addr });
      const first = await raw(t.url, 'POST', '/proxies', body);
      expect(first.status).toBe(201);
      const again = await raw(t.url, 'POST', '/proxies', body);
      expect(again.status).toBe(409);
      expect(again.json).toEqual(errorBody(409, 'proxy already exists'));
      await expect(
        t.client.createProxy({ name: 'api_dup', listen: '127.0.0.1:0', upstream: echo.addr }),
      ).rejects.toThrow(/409/);
    });

    it('rejects bad JSON and missing fields with 400 {error, status}', async () => {
      const bad = await raw(t.url, 'POST', '/proxies', '{"name": ');
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual(errorBody(400, /^bad request body: /));
      const noName = await raw(t.url, 'POST', '/proxies', JSON.stringify({ upstream: echo.addr }));
      expect(noName.json).toEqual(errorBody(400, 'missing required field: name'));
      const noUp = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'x' }));
      expect(noUp.json).toEqual(errorBody(400, 'missing required field: upstream'));
      expect((await raw(t.url, 'POST', '/proxies', '')).status).toBe(400);
    });

    it('answers 404 for unknown proxies on every proxy route', async () => {
      const notFound = errorBody(404, 'proxy not found');
      for (const [method, path, body] of [
        ['GET', '/proxies/nope'],
        ['POST', '/proxies/nope', '{"enabled": false}'],
        ['PATCH', '/proxies/nope', '{"enabled": false}'],
        ['DELETE', '/proxies/nope'],
        ['GET', '/proxies/nope/toxics'],
        ['POST', '/proxies/nope/toxics', '{"type": "latency"}'],
        ['GET', '/proxies/nope/toxics/t'],
        ['DELETE', '/proxies/nope/toxics/t'],
      ] as const) {
        const r = await raw(t.url, method, path, body);
        expect(r.status, `${method} ${path}`).toBe(404);
        expect(r.json, `${method} ${path}`).toEqual(notFound);
      }
      await expect(t.client.get('nope')).rejects.toThrow(/404/);
    });

    it('disables (closing the listener) and re-enables on the same address', async () => {
      const p = await t.client.createProxy({
        name: 'api_toggle',
        listen: '127.0.0.1:0',
        upstream: echo.addr,
      });
      const off = await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
      expect(off.enabled).toBe(false);
      expect(await canConnect(p.listen)).toBe(false);
      const patched = await raw(t.url, 'PATCH', '/proxies/api_toggle', '{"enabled": true}');
      expect(patched.status).toBe(200);
      expect(patched.json).toMatchObject({ name: 'api_toggle', listen: p.listen, enabled: true });
      expect(await canConnect(p.listen)).toBe(true);
    });

    it('creates a disabled proxy without listening', async () => {
      const r = await raw(
        t.url,
        'POST',
        '/proxies',
        JSON.stringify({ name: 'api_off', listen: '127.0.0.1:0', upstream: echo.addr, enabled: false }),
      );
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ name: 'api_off', enabled: false });
    });

    it('changes upstream with an update', async () => {
      const other = await target((s) => s.end('other\n'));
      try {
        const p = await t.client.createProxy({ name: 'api_up', listen: '127.0.0.1:0', upstream: echo.addr });
        const r = await raw(t.url, 'PATCH', '/proxies/api_up', JSON.stringify({ upstream: other.addr }));
        expect(r.json).toMatchObject({ upstream: other.addr, enabled: true, listen: p.listen });
        const got = await new Promise<string>((resolve, reject) => {
          import('node:net').then(({ connect }) => {
            const [host, port] = p.listen.split(':');
            const s = connect({ host, port: Number(port) });
            let data = '';
            s.on('data', (d) => (data += d));
            s.on('end', () => resolve(data));
            s.on('error', reject);
          });
        });
        expect(got).toBe('other\n');
      } finally {
        await other.close();
      }
    });

    it('deletes a proxy with 204 and stops listening', async () => {
      const p = await t.client.createProxy({ name: 'api_del', listen: '127.0.0.1:0', upstream: echo.addr });
      const r = await raw(t.url, 'DELETE', '/proxies/api_del');
      expect(r.status).toBe(204);
      expect(r.text).toBe('');
      expect(await canConnect(p.listen)).toBe(false);
      expect((await raw(t.url, 'GET', '/proxies/api_del')).status).toBe(404);
    });

    it('populates: 201 with {proxies}, keeps identical ones, rejects a bad entry without changes', async () => {
      const proxies = await t.client.populate([
        { name: 'pop_a', listen: '127.0.0.1:0', upstream: echo.addr },
        { name: 'pop_b', listen: '127.0.0.1:0', upstream: echo.addr, enabled: false },
      ]);
      expect(Object.keys(proxies).sort()).toEqual(['pop_a', 'pop_b']);
      expect(proxies.pop_a?.enabled).toBe(true);
      expect(proxies.pop_b?.enabled).toBe(false);

      const listen = proxies.pop_a!.listen;
      const again = await raw(
        t.url,
        'POST',
        '/populate',
        JSON.stringify([{ name: 'pop_a', listen, upstream: echo.addr }]),
      );
      expect(again.status).toBe(201);
      expect(again.json).toMatchObject({
        proxies: [{ name: 'pop_a', listen, upstream: echo.addr, enabled: true, toxics: [] }],
      });
      expect((again.json as { proxies: unknown[] }).proxies).toHaveLength(1);

      const bad = await raw(
        t.url,
        'POST',
        '/populate',
        JSON.stringify([{ name: 'pop_c', listen: '127.0.0.1:0', upstream: echo.addr }, { name: 'pop_d' }]),
      );
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({
        status: 400,
        error: expect.stringMatching(/missing required field: upstream/),
      });
      expect((await raw(t.url, 'GET', '/proxies/pop_c')).status).toBe(404);
      expect((await raw(t.url, 'POST', '/populate', '{"bad"')).status).toBe(400);
    });
  });

  describe('toxics', () => {
    it('adds, lists, shows, updates and removes a toxic with upstream JSON shapes', async () => {
      const p = await t.client.createProxy({ name: 'tox_a', listen: '127.0.0.1:0', upstream: echo.addr });
      const toxic = await p.addToxic({
        name: 'lat',
        type: 'latency',
        stream: 'upstream',
        toxicity: 1,
        attributes: { latency: 10, jitter: 1 },
      });
      expect(toxic.toJson()).toEqual({
        name: 'lat',
        type: 'latency',
        stream: 'upstream',
        toxicity: 1,
        attributes: { latency: 10, jitter: 1 },
      });

      // Defaults: downstream, toxicity 1, name <type>_<stream>, attributes zeroed.
      const dflt = await raw(t.url, 'POST', '/proxies/tox_a/toxics', JSON.stringify({ type: 'bandwidth' }));
      expect(dflt.status).toBe(200);
      expect(dflt.json).toEqual({
        name: 'bandwidth_downstream',
        type: 'bandwidth',
        stream: 'downstream',
        toxicity: 1,
        attributes: { rate: 0 },
      });

      const list = await raw(t.url, 'GET', '/proxies/tox_a/toxics');
      expect((list.json as { name: string }[]).map((x) => x.name)).toEqual(['lat', 'bandwidth_downstream']);
      const shown = await p.getToxic('lat');
      expect(shown.attributes).toEqual({ latency: 10, jitter: 1 });

      const updated = await toxic.update({ ...toxic.toJson(), attributes: { latency: 20, jitter: 1 } });
      expect(updated.attributes).toEqual({ latency: 20, jitter: 1 });
      const patched = await raw(t.url, 'PATCH', '/proxies/tox_a/toxics/lat', '{"attributes": {"jitter": 5}}');
      expect(patched.json).toMatchObject({
        attributes: { latency: 20, jitter: 5 },
        toxicity: 1,
        stream: 'upstream',
      });
      const withTox = await raw(t.url, 'PATCH', '/proxies/tox_a/toxics/lat', '{"toxicity": 0.25}');
      expect(withTox.json).toMatchObject({ toxicity: 0.25, attributes: { latency: 20, jitter: 5 } });

      const proxy = await raw(t.url, 'GET', '/proxies/tox_a');
      expect((proxy.json as { toxics: unknown[] }).toxics).toHaveLength(2);

      const del = await raw(t.url, 'DELETE', '/proxies/tox_a/toxics/lat');
      expect(del.status).toBe(204);
      expect((await raw(t.url, 'GET', '/proxies/tox_a/toxics/lat')).json).toEqual(
        errorBody(404, 'toxic not found'),
      );
    });

    it('reports toxic errors like upstream', async () => {
      await t.client.createProxy({ name: 'tox_err', listen: '127.0.0.1:0', upstream: echo.addr });
      const post = (b: string) => raw(t.url, 'POST', '/proxies/tox_err/toxics', b);
      expect((await post('{"type": "nosuch"}')).json).toEqual(errorBody(400, 'invalid toxic type'));
      expect((await post('{"type": "latency", "stream": "sideways"}')).json).toEqual(
        errorBody(400, 'stream was invalid, can be either upstream or downstream'),
      );
      expect((await post('{"type": ')).json).toEqual(errorBody(400, /^bad request body/));
      expect((await post('{"type": "latency", "attributes": {"latency": "slow"}}')).status).toBe(400);
      expect((await post('{"type": "latency", "name": "x"}')).status).toBe(200);
      expect((await post('{"type": "timeout", "name": "x"}')).json).toEqual(
        errorBody(409, 'toxic already exists'),
      );
      const missing = await raw(t.url, 'PATCH', '/proxies/tox_err/toxics/zz', '{"toxicity": 1}');
      expect(missing.json).toEqual(errorBody(404, 'toxic not found'));
      expect((await raw(t.url, 'DELETE', '/proxies/tox_err/toxics/zz')).json).toEqual(
        errorBody(404, 'toxic not found'),
      );
    });
  });

  describe('server', () => {
    it('reports its version', async () => {
      const v = await t.client.getVersion();
      expect(v.length).toBeGreaterThan(0);
      if (t.embedded) expect(JSON.parse(v)).toEqual({ version: expect.stringMatching(/^2\.\d+\.\d+/) });
    });

    it('reset re-enables every proxy and removes every toxic (204)', async () => {
      const a = await t.client.createProxy({ name: 'rs_a', listen: '127.0.0.1:0', upstream: echo.addr });
      await a.update({ enabled: false, listen: a.listen, upstream: a.upstream });
      const b = await t.client.createProxy({ name: 'rs_b', listen: '127.0.0.1:0', upstream: echo.addr });
      await b.addToxic({
        name: 'slow',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 1 },
      });
      const r = await raw(t.url, 'POST', '/reset');
      expect(r.status).toBe(204);
      const all = await t.client.getAll();
      expect(all.rs_a?.enabled).toBe(true);
      expect(await canConnect(a.listen)).toBe(true);
      expect((await raw(t.url, 'GET', '/proxies/rs_b/toxics')).json).toEqual([]);
      await t.client.reset();
    });

    it('refuses browsers and unknown routes', async () => {
      const res = await fetch(`${t.url}/proxies`, { headers: { 'User-Agent': 'Mozilla/5.0' } });
      expect(res.status).toBe(403);
      expect((await raw(t.url, 'GET', '/nowhere')).status).toBe(404);
      expect((await raw(t.url, 'PUT', '/proxies')).status).toBe(405);
    });
  });

  describe('leniency, as upstream', () => {
    it('accepts noop, any toxicity, negative attributes and slicer size 0; refuses non-integers', async () => {
      await t.client.createProxy({ name: 'len_a', listen: '127.0.0.1:0', upstream: echo.addr });
      const post = (b: unknown) => raw(t.url, 'POST', '/proxies/len_a/toxics', JSON.stringify(b));
      const noop = await post({ type: 'noop' });
      expect(noop.status).toBe(200);
      expect(noop.json).toMatchObject({ name: 'noop_downstream', type: 'noop', attributes: {}, toxicity: 1 });
      const wild = await post({ name: 'w', type: 'latency', toxicity: 5, attributes: { latency: -5 } });
      expect(wild.status).toBe(200);
      expect(wild.json).toMatchObject({ toxicity: 5, attributes: { latency: -5, jitter: 0 } });
      expect((await post({ name: 'never', type: 'latency', toxicity: -1 })).status).toBe(200);
      const slicer = await post({ type: 'slicer', attributes: { average_size: 0 } });
      expect(slicer.json).toMatchObject({ attributes: { average_size: 0, size_variation: 0, delay: 0 } });
      // Null means "not given" to Go's decoder.
      const nulls = await post({ name: 'n', type: 'latency', attributes: null, toxicity: null });
      expect(nulls.json).toMatchObject({ toxicity: 1, attributes: { latency: 0, jitter: 0 } });
      // The stream is matched case-insensitively and kept as written.
      const up = await post({ name: 'u', type: 'latency', stream: 'UpStream' });
      expect(up.json).toMatchObject({ stream: 'UpStream' });
      expect((await post({ name: 'f', type: 'latency', attributes: { latency: 1.5 } })).status).toBe(400);
      expect((await post({ name: 's', type: 'latency', toxicity: 'x' })).status).toBe(400);
    });

    it('accepts a port-less upstream (connections to it just close); a bad listen address is a 500', async () => {
      const p = await raw(
        t.url,
        'POST',
        '/proxies',
        JSON.stringify({ name: 'len_noport', listen: '127.0.0.1:0', upstream: 'noport' }),
      );
      expect(p.status).toBe(201);
      const listen = (p.json as { listen: string }).listen;
      const probe = await Probe.connect(listen);
      await probe.until(() => probe.endedAt !== undefined || probe.closedAt !== undefined, 5000, 'close');
      probe.destroy();
      const bad = await raw(
        t.url,
        'POST',
        '/proxies',
        JSON.stringify({ name: 'len_bad', listen: 'bogus', upstream: echo.addr }),
      );
      expect(bad.status).toBe(500);
      expect(bad.json).toEqual(errorBody(500, /^listen tcp: address bogus: missing port in address/));
      expect((await raw(t.url, 'GET', '/proxies/len_bad')).status).toBe(404);
    });

    it('sends errors as text/plain and successes as application/json', async () => {
      const missing = await raw(t.url, 'GET', '/proxies/nope');
      expect(missing.type).toBe('text/plain; charset=utf-8');
      expect(missing.text).toBe('{"error":"proxy not found","status":404}\n');
      expect((await raw(t.url, 'GET', '/proxies')).type).toBe('application/json');
    });

    it('populate: null and [] give {"proxies": null}; a repeated name replaces the earlier entry', async () => {
      for (const body of ['null', '[]']) {
        const r = await raw(t.url, 'POST', '/populate', body);
        expect(r.status).toBe(201);
        expect(r.json).toEqual({ proxies: null });
      }
      const entry = { name: 'pop_dup', listen: '127.0.0.1:0', upstream: echo.addr };
      const dup = await raw(t.url, 'POST', '/populate', JSON.stringify([entry, entry]));
      expect(dup.status).toBe(201);
      const [first, second] = (dup.json as { proxies: { enabled: boolean; listen: string }[] }).proxies;
      expect(first).toMatchObject({ name: 'pop_dup', enabled: false });
      expect(second).toMatchObject({ name: 'pop_dup', enabled: true });
      expect(await canConnect(second!.listen)).toBe(true);
      // Populate's own errors are JSON, with the (empty) list beside them.
      const bad = await raw(t.url, 'POST', '/populate', '{"x": 1}');
      expect(bad.status).toBe(400);
      expect(bad.type).toBe('application/json');
      expect(bad.json).toMatchObject({
        status: 400,
        error: expect.stringMatching(/^bad request body/),
        proxies: null,
      });
    });
  });
});

/**
 * Differential check, when JITTER_REAL_TOXIPROXY names a real server: one script of API requests (good and bad)
 * replayed against a fresh embedded server and a fresh real one must give the same status codes, content types
 * and body shapes. Listen ports, Go's decoder texts and the `Logger` field upstream leaks are left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REAL_BINARY,
  raw,
  serverUnderTest,
  type Target,
  target,
  type UnderTest,
} from './toxiproxy-helpers.js';

type Step = [method: string, path: string, body?: unknown];

function script(up: string): Step[] {
  const proxy = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    listen: '127.0.0.1:0',
    upstream: up,
    ...extra,
  });
  return [
    ['GET', '/version'],
    ['GET', '/proxies'],
    ['POST', '/proxies', proxy('a')],
    ['POST', '/proxies', proxy('a')],
    ['POST', '/proxies', { upstream: up }],
    ['POST', '/proxies', { name: 'x' }],
    ['POST', '/proxies', '{"name": '],
    ['POST', '/proxies', ''],
    ['POST', '/proxies', proxy('bad', { listen: 'bogus' })],
    ['POST', '/proxies', proxy('noport', { upstream: 'noport' })],
    ['POST', '/proxies', proxy('off', { enabled: false })],
    ['GET', '/proxies/a'],
    ['GET', '/proxies/nope'],
    ['PATCH', '/proxies/off', { enabled: true }],
    ['POST', '/proxies/off', { enabled: false }],
    ['PATCH', '/proxies/a', { listen: 'bogus' }],
    ['PATCH', '/proxies/nope', { enabled: false }],
    ['GET', '/proxies/a/toxics'],
    ['POST', '/proxies/a/toxics', { type: 'latency', attributes: { latency: 10 } }],
    ['POST', '/proxies/a/toxics', { type: 'latency' }],
    ['POST', '/proxies/a/toxics', { type: 'nosuch' }],
    ['POST', '/proxies/a/toxics', { type: 'latency', stream: 'sideways' }],
    ['POST', '/proxies/a/toxics', { type: 'noop' }],
    ['POST', '/proxies/a/toxics', { name: 'tx', type: 'timeout', toxicity: 7 }],
    ['POST', '/proxies/a/toxics', { name: 'neg', type: 'bandwidth', attributes: { rate: -1 } }],
    ['POST', '/proxies/a/toxics', { name: 'sl', type: 'slicer', attributes: { average_size: 0 } }],
    ['POST', '/proxies/a/toxics', { name: 'fl', type: 'latency', attributes: { latency: 1.5 } }],
    ['POST', '/proxies/a/toxics', { name: 'st', type: 'latency', attributes: { latency: 'x' } }],
    ['POST', '/proxies/a/toxics', { name: 'UP', type: 'slow_close', stream: 'UPSTREAM' }],
    ['POST', '/proxies/a/toxics', { name: 'ld', type: 'limit_data', stream: 'upstream', toxicity: 0 }],
    ['POST', '/proxies/nope/toxics', { type: 'latency' }],
    ['GET', '/proxies/a/toxics/latency_downstream'],
    ['GET', '/proxies/a/toxics/zz'],
    ['PATCH', '/proxies/a/toxics/latency_downstream', { attributes: { jitter: 3 }, toxicity: 0.5 }],
    ['POST', '/proxies/a/toxics/latency_downstream', { attributes: { latency: 5 } }],
    ['PATCH', '/proxies/a/toxics/latency_downstream', { toxicity: 'x' }],
    ['PATCH', '/proxies/a/toxics/zz', { toxicity: 1 }],
    ['GET', '/proxies/a'],
    ['DELETE', '/proxies/a/toxics/tx'],
    ['DELETE', '/proxies/a/toxics/tx'],
    ['POST', '/populate', [proxy('p1'), proxy('p2', { enabled: false })]],
    ['POST', '/populate', [proxy('p3'), proxy('p3')]],
    ['POST', '/populate', [proxy('p4'), { name: 'p5' }]],
    ['POST', '/populate', null],
    ['POST', '/populate', []],
    ['POST', '/populate', { x: 1 }],
    ['POST', '/populate', [proxy('p6', { listen: 'bogus' })]],
    ['POST', '/reset'],
    ['GET', '/proxies/a/toxics'],
    ['DELETE', '/proxies/a'],
    ['DELETE', '/proxies/a'],
    ['PUT', '/proxies'],
    ['GET', '/nowhere'],
  ];
}

/** What must agree: status, content type, and the body with volatile parts masked. */
function shape(r: { status: number; type: string | null; json: unknown; text: string }): unknown {
  const mask = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(mask);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === 'Logger') continue;
        if (k === 'listen') out[k] = typeof x === 'string' && /:\d+$/.test(x) ? 'HOST:PORT' : x;
        else if (k === 'error')
          out[k] = typeof x === 'string' ? x.replace(/^(bad request body): .*/, '$1: …') : x;
        else if (k === 'version') out[k] = typeof x;
        else out[k] = mask(x);
      }
      return out;
    }
    return v;
  };
  return { status: r.status, type: r.type, body: r.json === undefined ? r.text : mask(r.json) };
}

describe.skipIf(!REAL_BINARY)('embedded and real, request by request', () => {
  let echo: Target;
  const servers: UnderTest[] = [];
  beforeAll(async () => {
    echo = await target();
    servers.push(await serverUnderTest('embedded'), await serverUnderTest('real'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await echo.close();
  });

  it('gives the same status, content type and body shape for every scripted request', async () => {
    const differences: string[] = [];
    for (const [method, path, body] of script(echo.addr)) {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const [mine, theirs] = await Promise.all(
        servers.map(async (s) => shape(await raw(s.url, method, path, text))),
      );
      try {
        expect(mine).toEqual(theirs);
      } catch {
        differences.push(
          `${method} ${path} ${text ?? ''}\n  embedded: ${JSON.stringify(mine)}\n  real:     ${JSON.stringify(theirs)}`,
        );
      }
    }
    expect(differences.join('\n')).toBe('');
  });
});

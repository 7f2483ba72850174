/**
 * Toxics are plugins: a type registered by name is usable through the API and on the data path with no other
 * change. The test registers its own toxic (bytes upper-cased) next to the built-in ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stage } from '../toxiproxy/toxic.js';
import { registerToxic, toxicTypes } from '../toxiproxy/toxics/index.js';
import { Probe, raw, serverUnderTest, type Target, target, type UnderTest } from './toxiproxy-helpers.js';

class UpperStage extends Stage {
  write(chunk: Buffer): void {
    this.next.write(Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1'));
  }
  end(terminate: boolean): void {
    this.next.end(terminate);
  }
}

let t: UnderTest;
let echo: Target;
beforeAll(async () => {
  registerToxic({
    type: 'test_upper',
    attributes: {},
    create: (host, attrs, next) => new UpperStage(host, attrs, next),
  });
  t = await serverUnderTest('embedded');
  echo = await target();
});
afterAll(async () => {
  await t.close();
  await echo.close();
});

describe('toxic registry', () => {
  it('holds the built-in toxics by name, noop included', () => {
    expect(toxicTypes().sort()).toEqual(
      expect.arrayContaining([
        'bandwidth',
        'latency',
        'limit_data',
        'noop',
        'reset_peer',
        'slicer',
        'slow_close',
        'timeout',
      ]),
    );
  });

  it('refuses a type registered twice', () => {
    expect(() => registerToxic({ type: 'latency', attributes: {}, create: () => null })).toThrow(/twice/);
  });

  it('serves a newly registered toxic through the API and the data path', async () => {
    const p = await t.client.createProxy({ name: 'plug', listen: '127.0.0.1:0', upstream: echo.addr });
    const r = await raw(t.url, 'POST', '/proxies/plug/toxics', JSON.stringify({ type: 'test_upper' }));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: 'test_upper_downstream', type: 'test_upper', attributes: {} });
    const probe = await Probe.connect(p.listen);
    try {
      probe.socket.write('shout');
      await probe.until(() => probe.text === 'SHOUT', 5000, 'upper-cased echo');
    } finally {
      probe.destroy();
    }
  });
});

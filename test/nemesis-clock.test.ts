/**
 * Clock skew on a real cluster: client clocks through the ClockTable (seen in the timestamps of commits)
 * and replica clocks through libfaketime timestamp files (seen in the replica's own Date.now()).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wallClockMicros } from '../core/clocks.js';
import { ClockFault } from '../nemesis/clock.js';
import { adminLog, bringUp, type Fixture, sleep, until } from './nemesis-fixture.js';

/**
 * The replica's clock minus ours, in ms, as the range the round trip leaves it in: the replica read its clock
 * somewhere between our `before` and `after`. A slow machine widens the range; it never moves it off the truth.
 */
const skewMs = async (fx: Fixture, node: string) => {
  const before = Date.now();
  const { takenAt } = await adminLog(fx, node);
  return { lo: takenAt - Date.now(), hi: takenAt - before };
};

/** The range is consistent with a skew of `ms` ± `tolerance`. */
const expectSkew = (range: { lo: number; hi: number }, ms: number, tolerance: number) => {
  expect(range.hi).toBeGreaterThan(ms - tolerance);
  expect(range.lo).toBeLessThan(ms + tolerance);
};

describe('clock faults on a real cluster', () => {
  let fx: Fixture;
  const clock = new ClockFault();
  beforeAll(async () => {
    fx = await bringUp({ faults: [clock] });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('every replica runs under libfaketime with its own timestamp file at +0', async () => {
    for (const n of fx.world.db.nodes) {
      const env = fs.readFileSync(`/proc/${fx.world.db.pid(n)}/environ`, 'utf8').split('\0');
      expect(env).toContain('FAKETIME_NO_CACHE=1');
      expect(env).toContain('DONT_FAKE_MONOTONIC=1');
      expect(env.some((e) => e.startsWith('LD_PRELOAD=') && e.includes('libfaketime'))).toBe(true);
      const file = path.join(fx.dir, 'nodes', n, 'faketime');
      expect(env).toContain(`FAKETIME_TIMESTAMP_FILE=${file}`);
      expect(fs.readFileSync(file, 'utf8')).toBe('+0.000000s');
      expectSkew(await skewMs(fx, n), 0, 1000);
    }
  });

  it('a client bump shows in the timestamps of its commits; reset takes it back', async () => {
    // The commit's timestamp minus our clock, µs, as a range: the client stamped it during the call.
    const ts = async () => {
      const before = wallClockMicros();
      const r = await fx.clients[0]!.invoke({ f: 'write', key: 'c', value: String(Date.now()) });
      expect(r.type).toBe('ok');
      const at = r.type === 'ok' ? r.commit!.ts! : Number.NaN;
      return { lo: at - wallClockMicros(), hi: at - before };
    };
    expectSkew(await ts(), 0, 500_000);
    const rec = await clock.start(fx.world, {
      op: 'bump',
      who: 'clients',
      clients: ['client-0'],
      deltaUs: 5e6,
    });
    expect(rec.offsets).toEqual({ 'client-0': 5e6 });
    expectSkew(await ts(), 5e6, 0.5e6);
    const stop = await clock.stop(fx.world);
    expect(stop.offsets).toEqual({});
  });

  it("a replica bump shows in that replica's Date.now() only, and reset takes it back", async () => {
    const rec = await clock.start(fx.world, {
      op: 'bump',
      who: 'replicas',
      replicas: ['r2'],
      deltaUs: -30e6,
    });
    expect(rec.offsets).toEqual({ r2: -30e6 });
    expect(fs.readFileSync(path.join(fx.dir, 'nodes', 'r2', 'faketime'), 'utf8')).toBe('-30.000000s');
    expectSkew(await skewMs(fx, 'r2'), -30_000, 2000);
    expectSkew(await skewMs(fx, 'r1'), 0, 1000);
    const stop = await clock.stop(fx.world);
    expect(stop).toMatchObject({ replicas: ['r2'], offsets: {} });
    expectSkew(await skewMs(fx, 'r2'), 0, 1000);
  });

  it('a strobe flips a clock back and forth for its duration, then leaves it at 0', async () => {
    const c = fx.clocks.clock('client-1');
    await clock.start(fx.world, {
      op: 'strobe',
      who: 'clients',
      clients: ['client-1'],
      deltaUs: 1e6,
      periodMs: 40,
      durationMs: 800,
    });
    const on = performance.now();
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      seen.add(Math.round((c() - wallClockMicros()) / 1e6));
      await sleep(15);
    }
    expect([...seen].sort()).toEqual([0, 1]);
    // It ends by itself. Its low phases also leave no offset, so "ended" is: past its 800 ms (its end is a timer in
    // this process due no later, and timers run in order, however late) and no offset in force, from then on.
    await sleep(Math.max(0, on + 800 + 40 - performance.now()));
    await until(() => Object.keys(fx.clocks.offsets()).length === 0, 10_000, 'the strobe to end');
    for (let i = 0; i < 10; i++) {
      expect(fx.clocks.offsets()).toEqual({});
      expect(Math.abs(c() - wallClockMicros())).toBeLessThan(100_000);
      await sleep(15);
    }
  });
});

/**
 * The composed nemesis: every fault at once on a real cluster, then the final heal, which must leave no
 * toxic, no disabled proxy, no stopped or dead replica and no clock offset. Also: explicit schedules
 * (validated data) and the libfaketime check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { readScheduleFile, resolveConfig } from '../harness/config.js';
import { cliPath } from '../jitpaxos/cluster.js';
import { FAULT_NAMES, makeFaults, NemesisRunner, planSchedule } from '../nemesis/index.js';
import type { FaultRecord, ScheduledAction } from '../nemesis/types.js';
import { bringUp, type Fixture, procState, until } from './nemesis-fixture.js';

const tmpFile = (text: string) => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-schedule-')), 'schedule.json');
  fs.writeFileSync(f, text);
  return f;
};

describe('final heal after every fault at once', () => {
  let fx: Fixture;
  const faults = makeFaults(FAULT_NAMES);
  beforeAll(async () => {
    fx = await bringUp({ faults: [...faults.values()] });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('leaves no toxic, no disabled proxy, no stopped or dead process, no offset', async () => {
    const order = ['r1', 'r2', 'r3'];
    const schedule: ScheduledAction[] = [
      { atMs: 0, fault: 'partition', action: 'start', params: { topology: 'one', mode: 'reset', order } },
      {
        atMs: 0,
        fault: 'client-partition',
        action: 'start',
        params: { target: 'one', order, mode: 'silent' },
      },
      {
        atMs: 0,
        fault: 'latency',
        action: 'start',
        params: { scope: 'some', proxies: ['r2->r3', 'client->r2'], attributes: { latency: 50, jitter: 20 } },
      },
      {
        atMs: 0,
        fault: 'bandwidth',
        action: 'start',
        params: { scope: 'some', proxies: ['r3->r2'], attributes: { rate: 4 } },
      },
      {
        atMs: 0,
        fault: 'slice',
        action: 'start',
        params: {
          scope: 'some',
          proxies: ['r2->r1'],
          attributes: { average_size: 8, size_variation: 4, delay: 100 },
        },
      },
      { atMs: 0, fault: 'pause', action: 'start', params: { target: 'one', order: ['r2', 'r1', 'r3'] } },
      { atMs: 0, fault: 'kill', action: 'start', params: { target: 'one', order: ['r3', 'r1', 'r2'] } },
      {
        atMs: 0,
        fault: 'clock',
        action: 'start',
        params: { op: 'bump', who: 'replicas', replicas: ['r1'], deltaUs: 7e6 },
      },
    ];
    const records: Array<{ f: string; value: FaultRecord }> = [];
    const runner = new NemesisRunner(fx.world, faults, (f, value) => records.push({ f, value }));
    runner.run(schedule);
    fx.clocks.set('client-0', -3e6); // as if a clock bump were in force too
    await until(() => records.length === schedule.length, 20_000, 'every fault started');
    expect(records.filter((r) => r.value.error)).toEqual([]);
    const paused = fx.world.db.pid('r2')!;
    expect(procState(paused)).toBe('T');
    expect((await fx.world.db.state('r3')).running).toBe(false);
    const before = (await (await fetch(`${fx.url}/proxies`)).json()) as Record<
      string,
      { enabled: boolean; toxics: unknown[] }
    >;
    expect(Object.values(before).some((p) => !p.enabled)).toBe(true);
    expect(Object.values(before).reduce((n, p) => n + p.toxics.length, 0)).toBeGreaterThan(3);

    await runner.heal();

    const after = (await (await fetch(`${fx.url}/proxies`)).json()) as typeof before;
    for (const [name, p] of Object.entries(after)) {
      expect(p.enabled, name).toBe(true);
      expect(p.toxics, name).toEqual([]);
    }
    for (const n of fx.world.db.nodes) {
      const pid = fx.world.db.pid(n)!;
      expect(pid, n).toBeGreaterThan(0);
      expect(['R', 'S'], n).toContain(procState(pid));
      expect(fs.readFileSync(path.join(fx.dir, 'nodes', n, 'faketime'), 'utf8')).toBe('+0.000000s');
    }
    expect(fx.clocks.offsets()).toEqual({});
    expect(records.at(-1)).toMatchObject({ f: 'heal', value: { fault: 'all', toxiproxyReset: true } });
    // And the healed cluster serves again.
    await until(async () => (await fx.writes(3)) > 0, 20_000, 'writes after the heal');
  }, 90_000);
});

describe('schedules and set-up checks', () => {
  it('a seeded schedule has every fault alternate start and stop', () => {
    const faults = [...makeFaults(FAULT_NAMES).values()];
    const s = planSchedule({
      faults,
      rng: new Rng(5),
      intervalMs: 1000,
      durationMs: 200_000,
      nodes: ['r1', 'r2', 'r3'],
    });
    for (const name of FAULT_NAMES) {
      const mine = s.filter((a) => a.fault === name).map((a) => a.action);
      expect(mine.length, name).toBeGreaterThan(2);
      expect(mine).toEqual(mine.map((_, i) => (i % 2 === 0 ? 'start' : 'stop')));
    }
  });

  it('an explicit schedule is validated, and errors name the entry and field', () => {
    const good = [
      { atMs: 100, fault: 'kill', action: 'start', params: { target: 'primary', order: ['r1'] } },
    ];
    expect(readScheduleFile(tmpFile(JSON.stringify(good)))).toEqual(good);
    const bad = tmpFile(JSON.stringify([{ atMs: -1, fault: 'meteor', action: 'go', extra: 1 }, { atMs: 5 }]));
    const msg = (() => {
      try {
        readScheduleFile(bad);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    for (const field of ['0.atMs', '0.fault', '0.action', '"extra"', "1 must have required property 'fault'"])
      expect(msg).toContain(field);
    expect(() => readScheduleFile(tmpFile('not json'))).toThrow(/not valid JSON/);
  });

  it('the clock nemesis without libfaketime is refused at configuration, naming the package', () => {
    const old = process.env.JITTER_LIBFAKETIME;
    process.env.JITTER_LIBFAKETIME = '/nonexistent/libfaketime.so.1';
    try {
      expect(() => resolveConfig(1, {}, { nemesis: ['clock'] })).toThrow(
        /install the Debian package "faketime"/,
      );
      expect(() => resolveConfig(1, {}, { nemesis: ['kill'] })).not.toThrow();
    } finally {
      if (old === undefined) delete process.env.JITTER_LIBFAKETIME;
      else process.env.JITTER_LIBFAKETIME = old;
    }
  });

  it('jitter test --schedule runs that schedule, records it in test.json, and refuses a bad one', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-store-'));
    const schedule = [
      { atMs: 500, fault: 'kill', action: 'start', params: { target: 'one', order: ['r2', 'r1', 'r3'] } },
      { atMs: 2500, fault: 'kill', action: 'stop' },
    ];
    const args = ['test', '--time-limit', '4', '--nemesis', 'none', '--no-fsync', '--json', '--store', store];
    const r = await execa(
      process.execPath,
      [cliPath(), ...args, '--schedule', tmpFile(JSON.stringify(schedule))],
      {
        reject: false,
      },
    );
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    // Safety holds on any machine; how many operations 4 s completes (stats, availability) depends on its load.
    expect(out.checkers).toMatchObject({ linearizability: true, 'commit-consistency': true });
    const record = JSON.parse(fs.readFileSync(path.join(out.dir, 'test.json'), 'utf8'));
    expect(record.schedule).toEqual(schedule);
    const nemesis = fs
      .readFileSync(path.join(out.dir, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((op) => op.process === 'nemesis');
    expect(nemesis[0].value).toMatchObject({ fault: 'kill', targets: ['r2'] });
    expect(Object.keys(nemesis[1].value.restarted)).toEqual(['r2']);
    const bad = await execa(
      process.execPath,
      [cliPath(), ...args, '--schedule', tmpFile('[{"atMs":"soon"}]')],
      {
        reject: false,
      },
    );
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/0\.atMs must be number/);
  }, 120_000);
});

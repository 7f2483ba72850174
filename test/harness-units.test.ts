/**
 * The harness's pure parts: seeded generators, partition topologies, the fault schedule, configuration, and
 * matrix expansion.
 */

import { describe, expect, it } from 'vitest';
import type { ClientOp } from '../core/db.js';
import {
  type GenContext,
  type Generator,
  limit,
  once,
  phases,
  timeLimit,
  untilOk,
} from '../core/generator.js';
import { Rng } from '../core/rng.js';
import { ConfigError, checkConfig, resolveConfig } from '../harness/config.js';
import { checkMatrix, expandMatrix } from '../harness/matrix.js';
import { DEFAULT_TIMING } from '../jitpaxos/config.js';
import { makeFaults, planSchedule } from '../nemesis/index.js';
import { partitionLinks } from '../nemesis/partition.js';
import { makeWorkload } from '../workloads/index.js';

/** Ask `gen` for ops as `slots` processes would, in a fixed interleaving; the time is the call count. */
function drive(gen: Generator, slots: number, seed: number, max = 50): ClientOp[][] {
  const root = new Rng(seed);
  const rngs = Array.from({ length: slots }, (_, i) => root.fork(`process-${i}`));
  const out: ClientOp[][] = rngs.map(() => []);
  let now = 0;
  for (let round = 0; round < max; round++) {
    for (let slot = 0; slot < slots; slot++) {
      const ctx: GenContext = { now: now++, slot, process: slot, rng: rngs[slot]! };
      const n = gen.next(ctx);
      if (typeof n === 'object') {
        out[slot]!.push(n.op);
        gen.update?.(ctx, n.op, 'ok');
      }
    }
  }
  return out;
}

describe('generators', () => {
  it('the operation plan of each process comes from the seed', () => {
    const a = drive(makeWorkload('kv').generator(), 3, 42);
    const b = drive(makeWorkload('kv').generator(), 3, 42);
    const c = drive(makeWorkload('kv').generator(), 3, 43);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a.flat().map((op) => op.f))).toEqual(new Set(['read', 'write', 'cas']));
  });

  it('timeLimit, limit and once cut the stream', () => {
    expect(drive(timeLimit(10, makeWorkload('register').generator()), 2, 1).flat()).toHaveLength(10);
    expect(drive(limit(7, makeWorkload('register').generator()), 3, 1).flat()).toHaveLength(7);
    expect(drive(once({ f: 'read', key: 'x', value: null }), 4, 1).flat()).toHaveLength(1);
  });

  it('untilOk repeats one attempt at a time until an attempt is ok', () => {
    const gen = untilOk({ f: 'read', key: 'x', value: null }, 10);
    const rng = new Rng(1);
    const ctx = (slot: number): GenContext => ({ now: 0, slot, process: slot, rng });
    const first = gen.next(ctx(0));
    expect(typeof first).toBe('object');
    expect(gen.next(ctx(1))).toBe('wait'); // one attempt in flight
    gen.update?.(ctx(0), (first as { op: ClientOp }).op, 'info');
    const second = gen.next(ctx(1));
    expect(typeof second).toBe('object');
    gen.update?.(ctx(1), (second as { op: ClientOp }).op, 'ok');
    expect(gen.next(ctx(0))).toBe('done');
  });

  it('phases move each process on when its current phase is done', () => {
    const gen = phases(
      limit(2, once({ f: 'write', key: 'a', value: '1' })),
      once({ f: 'read', key: 'a', value: null }),
    );
    const ops = drive(gen, 1, 1).flat();
    expect(ops.map((o) => o.f)).toEqual(['write', 'read']);
  });
});

describe('partition topologies', () => {
  const five = ['r1', 'r2', 'r3', 'r4', 'r5'];
  const cut = (t: Parameters<typeof partitionLinks>[0], primary: string | null = null) =>
    new Set(partitionLinks(t, five, primary).links.map((l) => `${l.from}->${l.to}`));

  it('halves cut every link between the halves, both ways, and nothing else', () => {
    const c = cut('halves');
    expect(c.size).toBe(2 * 2 * 3);
    expect(c.has('r1->r3') && c.has('r3->r1')).toBe(true);
    expect(c.has('r1->r2') || c.has('r3->r4')).toBe(false);
  });

  it('one and primary isolate a single node', () => {
    expect([...cut('one')].every((l) => l.startsWith('r1->') || l.endsWith('->r1'))).toBe(true);
    expect(cut('primary', 'r4').size).toBe(8);
    expect([...cut('primary', 'r4')].every((l) => l.includes('r4'))).toBe(true);
  });

  it('majorities-ring: every node hears a majority, and no two the same one', () => {
    const { links } = partitionLinks('majorities-ring', five, null);
    const hears = five.map((to) =>
      five.filter((from) => !links.some((l) => l.from === from && l.to === to)).sort(),
    );
    for (const h of hears) expect(h.length).toBe(3);
    expect(new Set(hears.map((h) => h.join())).size).toBe(5);
  });

  it('bridge: the halves cannot talk, the bridge talks to both', () => {
    const c = cut('bridge');
    expect(c.has('r1->r4') && c.has('r4->r1')).toBe(true);
    expect([...c].some((l) => l.includes('r3'))).toBe(false);
  });
});

describe('fault schedule', () => {
  const faults = [...makeFaults(['partition']).values()];
  const plan = (seed: number) =>
    planSchedule({
      faults,
      rng: new Rng(seed),
      intervalMs: 1000,
      durationMs: 10_000,
      nodes: ['r1', 'r2', 'r3'],
    });

  it('comes from the seed, and each fault alternates start and stop', () => {
    expect(plan(5)).toEqual(plan(5));
    expect(plan(5)).not.toEqual(plan(6));
    const actions = plan(5).map((a) => a.action);
    expect(actions).toEqual(['start', 'stop', 'start', 'stop', 'start', 'stop', 'start', 'stop', 'start']);
    expect(plan(5)[0]!.params).toHaveProperty('topology');
  });

  it('with a period, replays one period until the end, each period ending with every fault stopped', () => {
    const all = [...makeFaults(['partition', 'latency', 'kill']).values()];
    const s = planSchedule({
      faults: all,
      rng: new Rng(3),
      intervalMs: 1000,
      durationMs: 35_000,
      nodes: ['r1', 'r2', 'r3'],
      periodMs: 10_000,
    });
    const periods = [0, 1, 2, 3].map((k) =>
      s.filter((a) => a.atMs > k * 10_000 && a.atMs <= (k + 1) * 10_000),
    );
    const shifted = (k: number) => periods[k]!.map((a) => ({ ...a, atMs: a.atMs - k * 10_000 }));
    expect(shifted(1)).toEqual(shifted(0));
    expect(shifted(2)).toEqual(shifted(0));
    // The last period is cut at the run's end.
    expect(shifted(3)).toEqual(shifted(0).filter((a) => a.atMs < 5_000));
    for (const k of [0, 1, 2]) {
      const active = new Set<string>();
      for (const a of periods[k]!) a.action === 'start' ? active.add(a.fault) : active.delete(a.fault);
      expect(active.size).toBe(0);
    }
    expect(periods[0]!.some((a) => a.atMs === 10_000 && a.action === 'stop')).toBe(true);
  });
});

describe('configuration', () => {
  it('flags override the file, which overrides defaults; derived values follow', () => {
    const c = resolveConfig(9, { replicas: 5, workload: 'kv', timeLimit: 30 }, { timeLimit: 10 });
    expect(c).toMatchObject({
      replicas: 5,
      workload: 'kv',
      timeLimit: 10,
      concurrency: 10,
      seed: 9,
      jitpaxos: { mode: 'fixed', flaws: [], fsync: true, jitLeadMs: DEFAULT_TIMING.maxLeadMs },
    });
    expect(c.name).toBe('jitpaxos-fixed-kv');
  });
  it('names every bad field', () => {
    expect(() => checkConfig({ replicas: 0, mode: 'paxos', flaws: ['x'] }, 'f.json')).toThrow(ConfigError);
    try {
      checkConfig({ replicas: 0, mode: 'paxos' }, 'f.json');
    } catch (err) {
      expect((err as Error).message).toMatch(/f\.json: replicas must be >= 1/);
      // Both fields, on one line.
      expect((err as Error).message).toMatch(
        /; mode must be equal to one of the allowed values: fixed, seed$/,
      );
    }
  });
  it('refuses flaws in seed mode', () => {
    expect(() => resolveConfig(1, { mode: 'seed', flaws: ['local-reads'] }, {})).toThrow(/seed mode/);
  });
});

describe('matrix', () => {
  it('keeps the names a JIT Paxos matrix always had', () => {
    const tests = expandMatrix({
      name: 'n',
      modes: ['fixed', 'seed'],
      flaws: [[], ['local-reads']],
      seeds: [1],
    });
    expect(tests.map((t) => t.name)).toEqual([
      'n-fixed-register-partition-n3-s1',
      'n-fixed-local-reads-register-partition-n3-s1',
      'n-seed-register-partition-n3-s1',
    ]);
    expect(tests[1]!.config).toMatchObject({ mode: 'fixed', flaws: ['local-reads'], replicas: 3, seed: 1 });
  });
  it('crosses systems and variants; modes and flaws apply to JIT Paxos alone', () => {
    const m = checkMatrix(
      {
        name: 'n',
        systems: ['jitpaxos', 'maelstrom'],
        modes: ['fixed'],
        variants: [
          { name: 'a', config: { rate: 10 } },
          { name: 'b', config: { rate: 20 } },
        ],
        base: { maelstrom: { bin: 'node n.js' } },
      },
      'm.json',
    );
    const tests = expandMatrix(m);
    expect(tests.map((t) => t.name)).toEqual([
      'n-fixed-a-register-partition-n3-s1',
      'n-fixed-b-register-partition-n3-s1',
      'n-maelstrom-a-register-partition-n3-s1',
      'n-maelstrom-b-register-partition-n3-s1',
    ]);
    expect(tests[3]!.config).toMatchObject({
      system: 'maelstrom',
      rate: 20,
      maelstrom: { bin: 'node n.js' },
    });
    expect(tests[3]!.config).not.toHaveProperty('mode');
  });
  it('names an unknown system', () => {
    expect(() => checkMatrix({ systems: ['nope'] }, 'm.json')).toThrow(/m\.json: systems/);
  });
});

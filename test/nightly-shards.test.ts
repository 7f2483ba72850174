/** Nightlies across nights and machines: the trend page's marks, stable shards, and merging shard stores. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  inShard,
  type NightlySummary,
  type NightlyTestResult,
  nightlyCommand,
  parseShard,
} from '../harness/nightly.js';
import { readNights, trendRows, writeTrendPage } from '../harness/nightly-trend.js';
import { mergeStores } from '../harness/store-merge.js';

const dirs: string[] = [];
const tmp = (tag: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `jitter-${tag}-`));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const result = (name: string, passed: boolean, dir?: string): NightlyTestResult => ({
  name,
  expect: 'valid',
  valid: passed,
  passed,
  seconds: 1,
  ...(dir ? { dir } : {}),
});

function summary(
  started: string,
  tests: NightlyTestResult[],
  extra: Partial<NightlySummary> = {},
): NightlySummary {
  return {
    preset: 'quick',
    started,
    seconds: 10,
    budgetSeconds: 100,
    tests,
    passed: tests.filter((t) => t.passed).length,
    failed: tests.filter((t) => !t.passed).length,
    skipped: 0,
    ...extra,
  };
}

function writeSummary(store: string, id: string, s: NightlySummary): void {
  const dir = path.join(store, 'nightly', id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(s));
}

/** A run folder as the store holds it. */
function runDir(store: string, test: string, stamp: string): string {
  const dir = path.join(store, test, stamp);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'test.json'),
    JSON.stringify({ name: test, start: '2026-12-01T00:00:00Z' }),
  );
  return dir;
}

describe('nightly trend', () => {
  it('marks new failures and flaky entries, escaping names', () => {
    const store = tmp('trend');
    const evil = '<img src=x onerror=alert(1)>';
    writeSummary(
      store,
      'n1',
      summary('2026-11-28T01:00:00Z', [result('steady', true), result('flips', true), result(evil, true)]),
    );
    writeSummary(
      store,
      'n2',
      summary('2026-11-29T01:00:00Z', [result('steady', true), result('flips', false), result(evil, true)]),
    );
    writeSummary(
      store,
      'n3',
      summary('2026-11-30T01:00:00Z', [result('steady', true), result('flips', true), result(evil, false)]),
    );
    const rows = trendRows(readNights(path.join(store, 'nightly')));
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(by.steady).toMatchObject({ newFailure: false, flaky: false });
    expect(by.flips).toMatchObject({ newFailure: false, flaky: true });
    expect(by[evil]).toMatchObject({ newFailure: true, flaky: true });
    const html = fs.readFileSync(writeTrendPage(path.join(store, 'nightly')), 'utf8');
    expect(html).not.toContain('<img');
    expect(html).toContain('1 new failures');
    expect(html).toContain('2 flaky');
  });
});

describe('jitter nightly and the trend page', () => {
  it('refreshes store/nightly/index.html each night, --out elsewhere or not', async () => {
    const store = tmp('nightly-store');
    const elsewhere = tmp('nightly-out');
    const matrix = path.join(elsewhere, 'matrix.json');
    // A budget too small for the test: skipped at once, no cluster, but the night is recorded all the same.
    fs.writeFileSync(matrix, JSON.stringify({ tests: [{ name: 'tiny', config: { timeLimit: 600 } }] }));
    const nightly = (...extra: string[]) =>
      nightlyCommand().parseAsync(
        ['--matrix', matrix, '--store', store, '--budget', '1', '--json', ...extra],
        { from: 'user' },
      );
    // Nights are named by their start, to the millisecond: each starts in a later one.
    const nextMs = async () => {
      const t = Date.now();
      while (Date.now() === t) await new Promise((r) => setImmediate(r));
    };
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await nightly();
      const page = path.join(store, 'nightly', 'index.html');
      expect(fs.readFileSync(page, 'utf8')).toContain('1 nights');
      await nextMs();
      await nightly('--out', path.join(elsewhere, 'ci'));
      expect(fs.readFileSync(page, 'utf8')).toContain('2 nights');
      // --out got its copy, and the store its record: the trend page reads the store's.
      expect(fs.existsSync(path.join(elsewhere, 'ci', 'summary.json'))).toBe(true);
      expect(fs.existsSync(path.join(elsewhere, 'ci', 'junit.xml'))).toBe(true);
      // --out inside <store>/nightly is the record itself, not a second night.
      await nextMs();
      await nightly('--out', path.join(store, 'nightly', 'named'));
      expect(fs.readFileSync(page, 'utf8')).toContain('3 nights');
      expect(fs.readFileSync(page, 'utf8')).toContain('>named<');
    } finally {
      process.stdout.write = write;
      process.exitCode = undefined;
    }
    const nights = readNights(path.join(store, 'nightly'));
    expect(nights).toHaveLength(3);
    expect(nights.map((n) => n.summary.tests[0]!.valid)).toEqual(['skipped', 'skipped', 'skipped']);
  });
});

describe('shards', () => {
  it('put every entry in exactly one shard, whatever else the matrix holds', () => {
    const names = Array.from({ length: 200 }, (_, i) => `test-${i}`);
    const shards = [1, 2, 3].map((index) => names.filter((n) => inShard(n, { index, count: 3 })));
    expect(shards.flat().sort()).toEqual([...names].sort());
    expect(Math.min(...shards.map((s) => s.length))).toBeGreaterThan(40);
    // Stable: an entry's shard depends on its name only.
    expect(inShard('test-7', { index: 1, count: 3 })).toBe(shards[0]!.includes('test-7'));
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1', 'a/b', '1/0']) expect(parseShard(bad)).toBeNull();
  });

  it('merge joins the shards of a night: runs, summary, JUnit and trend page', async () => {
    const a = tmp('shard-a');
    const b = tmp('shard-b');
    const dest = tmp('merged');
    const ra = runDir(a, 'chaos-1', '20261201T010000.000Z');
    const rb = runDir(b, 'chaos-2', '20261201T010500.000Z');
    const shard = (index: number) => ({ night: '20261201', shard: { index, count: 2 } });
    writeSummary(
      a,
      '20261201-shard-1-of-2',
      summary('2026-12-01T01:00:00Z', [result('chaos-1', true, ra)], shard(1)),
    );
    writeSummary(
      b,
      '20261201-shard-2-of-2',
      summary('2026-12-01T01:00:02Z', [result('chaos-2', false, rb)], shard(2)),
    );

    const r = await mergeStores(dest, [a, b]);
    expect(r).toMatchObject({ runs: 2, nights: ['20261201'] });
    expect(fs.existsSync(path.join(dest, 'chaos-1', '20261201T010000.000Z', 'test.json'))).toBe(true);
    expect(fs.existsSync(path.join(dest, 'chaos-2', '20261201T010500.000Z', 'test.json'))).toBe(true);
    const joined = JSON.parse(
      fs.readFileSync(path.join(dest, 'nightly', '20261201', 'summary.json'), 'utf8'),
    ) as NightlySummary;
    expect(joined.tests.map((t) => t.name)).toEqual(['chaos-1', 'chaos-2']);
    expect(joined).toMatchObject({ passed: 1, failed: 1, started: '2026-12-01T01:00:00Z' });
    expect(joined.tests[1]!.dir).toBe(path.join(dest, 'chaos-2', '20261201T010500.000Z'));
    const junit = fs.readFileSync(path.join(dest, 'nightly', '20261201', 'junit.xml'), 'utf8');
    expect(junit).toContain('chaos-1');
    expect(junit).toContain('<failure');
    const trend = fs.readFileSync(path.join(dest, 'nightly', 'index.html'), 'utf8');
    expect(trend).toContain('20261201');
    expect(trend).toContain('../chaos-2/20261201T010500.000Z/report.html');
    expect(fs.existsSync(path.join(dest, 'index.html'))).toBe(true);

    // Merging again copies nothing twice.
    expect(await mergeStores(dest, [a, b])).toMatchObject({ runs: 0, skippedRuns: 2 });
  });

  it('merge is incremental and idempotent: shards merged by separate commands add up, once each', async () => {
    const stores = [1, 2, 3].map((i) => tmp(`shard-${i}`));
    const dest = tmp('merged');
    const shard = (index: number) => ({ night: 'n7', shard: { index, count: 3 } });
    const runs = stores.map((s, i) => runDir(s, `chaos-${i + 1}`, `20261207T01000${i}.000Z`));
    for (const [i, s] of stores.entries()) {
      const tests = [result(`chaos-${i + 1}`, i !== 1, runs[i])];
      writeSummary(s, `n7-shard-${i + 1}-of-3`, summary(`2026-12-07T01:00:0${i}Z`, tests, shard(i + 1)));
    }
    const joined = () =>
      JSON.parse(fs.readFileSync(path.join(dest, 'nightly', 'n7', 'summary.json'), 'utf8')) as NightlySummary;

    // Machines finish at different times: each shard merged on its own.
    await mergeStores(dest, [stores[0]!]);
    expect(joined().tests.map((t) => t.name)).toEqual(['chaos-1']);
    await mergeStores(dest, [stores[2]!]);
    expect(joined().tests.map((t) => t.name)).toEqual(['chaos-1', 'chaos-3']);
    // The same shard again, and the merged store among the sources: nothing counted twice.
    await mergeStores(dest, [dest, stores[2]!, stores[1]!, stores[0]!]);
    const all = joined();
    expect(all.tests.map((t) => t.name)).toEqual(['chaos-1', 'chaos-2', 'chaos-3']);
    expect(all).toMatchObject({ passed: 2, failed: 1, night: 'n7' });
    expect(all.parts!.map((p) => p.shard!.index)).toEqual([1, 2, 3]);
    expect(all.shard).toBeUndefined();
    const junit = fs.readFileSync(path.join(dest, 'nightly', 'n7', 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(3);
    // One night on the trend page, no shard folders beside it.
    expect(fs.readdirSync(path.join(dest, 'nightly')).sort()).toEqual(['index.html', 'n7']);
    expect(readNights(path.join(dest, 'nightly'))).toHaveLength(1);

    // A shard run again the same night replaces its earlier result; the others stay.
    writeSummary(
      stores[1]!,
      'n7-shard-2-of-3',
      summary('2026-12-07T05:00:00Z', [result('chaos-2', true, runs[1])], shard(2)),
    );
    await mergeStores(dest, [stores[1]!]);
    expect(joined()).toMatchObject({ passed: 3, failed: 0 });
    expect(joined().parts).toHaveLength(3);

    // A merged store merged into another carries its shards along.
    const top = tmp('top');
    await mergeStores(top, [dest]);
    const again = JSON.parse(
      fs.readFileSync(path.join(top, 'nightly', 'n7', 'summary.json'), 'utf8'),
    ) as NightlySummary;
    expect(again.tests.map((t) => [t.name, t.passed])).toEqual([
      ['chaos-1', true],
      ['chaos-2', true],
      ['chaos-3', true],
    ]);
    expect(again.tests[2]!.dir).toBe(path.join(top, 'chaos-3', '20261207T010002.000Z'));
  });
});

/** `jitter store prune` keeps what it promises: newest N or younger than D days, invalid runs, each test's newest. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { runStamp } from '../core/store.js';
import { planPrune } from '../harness/prune.js';

const CLI = path.join(import.meta.dirname, '..', 'dist', 'harness', 'cli.js');
const run = promisify(execFile);
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 4, 0, 0);
const stores: string[] = [];

/** A store of runs: for each test, runs `daysAgo` old, with their verdicts. */
function makeStore(tests: Record<string, Array<[daysAgo: number, valid: boolean | null]>>): string {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-prune-'));
  stores.push(store);
  for (const [name, runs] of Object.entries(tests)) {
    for (const [daysAgo, valid] of runs) {
      const startMs = NOW - daysAgo * DAY;
      const dir = path.join(store, name, runStamp(new Date(startMs)));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'test.json'), JSON.stringify({ name, startMs }));
      fs.writeFileSync(path.join(dir, 'history.jsonl'), 'x'.repeat(1000));
      if (valid !== null) fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ valid }));
    }
  }
  return store;
}

const ages = (dirs: Array<{ dir: string }>) =>
  dirs.map((d) => Math.round((NOW - Date.parse(readStart(d.dir))) / DAY)).sort((a, b) => a - b);
const readStart = (dir: string) =>
  new Date(
    (JSON.parse(fs.readFileSync(path.join(dir, 'test.json'), 'utf8')) as { startMs: number }).startMs,
  ).toISOString();

afterEach(() => {
  for (const s of stores.splice(0)) fs.rmSync(s, { recursive: true, force: true });
});

describe('store prune', () => {
  const tests = {
    a: [
      [0, true],
      [1, true],
      [2, false],
      [3, true],
      [9, null],
      [10, true],
    ] as Array<[number, boolean | null]>,
    b: [[30, true]] as Array<[number, boolean | null]>,
  };

  it('keeps the newest N of each test, invalid runs, and each test’s newest', () => {
    const store = makeStore(tests);
    const plan = planPrune(store, { keep: 2, nowMs: NOW });
    expect(ages(plan.remove)).toEqual([3, 9, 10]);
    const kept = plan.keep.map((k) => [k.test, Math.round((NOW - k.startMs) / DAY), k.why]);
    expect(kept).toContainEqual(['a', 2, 'invalid']);
    expect(kept).toContainEqual(['b', 30, 'newest of its test']);
    expect(plan.remove.every((c) => c.bytes >= 1000)).toBe(true);
  });

  it('prunes sweep records as one more test: a failing seed keeps one, and so does a live process running it', () => {
    const store = makeStore({});
    const sweep = (daysAgo: number, valid: boolean, lock?: number) => {
      const dir = path.join(store, 'sweeps', runStamp(new Date(NOW - daysAgo * DAY)));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify({ seeds: '1-2', total: 2 }));
      const v = { seed: 1, valid, failed: [], simulatedUs: 1, wallMs: 1, ops: 1 };
      fs.writeFileSync(path.join(dir, 'verdicts.jsonl'), `${JSON.stringify(v)}\n`);
      if (lock !== undefined)
        fs.writeFileSync(path.join(dir, 'sweep.lock'), JSON.stringify({ pid: lock, host: os.hostname() }));
      return dir;
    };
    const newest = sweep(1, true);
    const failing = sweep(5, false);
    const running = sweep(6, true, process.pid);
    const old = sweep(7, true);
    // A lock whose process is gone (this pid is no process's: above the kernel's pid_max) holds nothing.
    const stale = sweep(8, true, 2 ** 30);
    const plan = planPrune(store, { days: 3, nowMs: NOW });
    expect(plan.remove.map((c) => c.dir).sort()).toEqual([old, stale].sort());
    expect(Object.fromEntries(plan.keep.map((k) => [k.dir, k.why]))).toEqual({
      [newest]: 'newest of its test',
      [failing]: 'invalid',
      [running]: 'running',
    });
  });

  it('keeps runs younger than D days; removes invalid ones only when told', () => {
    const store = makeStore(tests);
    expect(ages(planPrune(store, { days: 5, nowMs: NOW }).remove)).toEqual([9, 10]);
    expect(ages(planPrune(store, { keep: 1, pruneInvalid: true, nowMs: NOW }).remove)).toEqual([
      1, 2, 3, 9, 10,
    ]);
  });

  it('is a dry run unless --yes; bad flags are one line and exit 2', async () => {
    const store = makeStore(tests);
    const before = fs.readdirSync(path.join(store, 'a')).length;
    const dry = await run(process.execPath, [CLI, 'store', 'prune', '--store', store, '--keep', '2']);
    expect(dry.stdout).toContain('would remove 3 runs');
    expect(fs.readdirSync(path.join(store, 'a')).length).toBe(before);

    const real = await run(process.execPath, [
      CLI,
      'store',
      'prune',
      '--store',
      store,
      '--keep',
      '2',
      '--yes',
    ]);
    expect(real.stdout).toContain('removed 3 runs');
    expect(fs.readdirSync(path.join(store, 'a')).filter((f) => /^\d{8}T/.test(f))).toHaveLength(3);
    expect(fs.existsSync(path.join(store, 'index.html'))).toBe(true);

    for (const args of [['--keep', 'zero'], [], ['--days', '-1'], ['--bogus']]) {
      const err = await run(process.execPath, [CLI, 'store', 'prune', '--store', store, ...args]).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(err).toMatchObject({ code: 2 });
      expect((err as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

/**
 * The workflows around single runs, through the CLI as users run them: a nightly matrix (summary, JUnit,
 * exit code), re-analysis of a stored run, and reproduction of an invalid run. Needs the build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { RunRecord, RunResults } from '../core/store.js';
import type { NightlySummary } from '../harness/nightly.js';
import { cliPath } from '../jitpaxos/cluster.js';

const jitter = (args: string[]) =>
  execa(process.execPath, [cliPath(), ...args], { reject: false, timeout: 240_000 });
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

describe('nightly, analyze and repro', () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-nightly-'));
  const out = path.join(store, 'out');
  let flawRun = '';

  it('a tiny matrix runs every test, continues after a failure, writes summary and JUnit, exits 1', async () => {
    const matrix = path.join(store, 'matrix.json');
    fs.writeFileSync(
      matrix,
      JSON.stringify({
        tests: [
          { name: 'tiny-fixed', config: { timeLimit: 5, nemesis: [], fsync: false, seed: 3 } },
          {
            // Invalid by design: the timestamp-tie flaw under a coarse (20 ms) clock acknowledges writes it never logs.
            name: 'tiny-flaw',
            config: {
              timeLimit: 8,
              nemesis: [],
              fsync: false,
              seed: 4,
              flaws: ['timestamp-tie'],
              clockGranularityUs: 20_000,
            },
          },
          {
            name: 'tiny-caught',
            config: {
              timeLimit: 5,
              nemesis: [],
              fsync: false,
              seed: 5,
              flaws: ['timestamp-tie'],
              clockGranularityUs: 20_000,
            },
            expect: 'invalid',
          },
        ],
      }),
    );
    const r = await jitter([
      'nightly',
      '--matrix',
      matrix,
      '--store',
      store,
      '--out',
      out,
      '--budget',
      '600',
    ]);
    expect(r.exitCode, r.stderr).toBe(1);
    const summary = readJson<NightlySummary>(path.join(out, 'summary.json'));
    expect(summary.tests.map((t) => [t.name, t.valid, t.passed])).toEqual([
      ['tiny-fixed', true, true],
      ['tiny-flaw', false, false],
      ['tiny-caught', false, true],
    ]);
    expect(summary).toMatchObject({ passed: 2, failed: 1, skipped: 0 });
    const junit = fs.readFileSync(path.join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="jitter nightly" tests="3" failures="1" skipped="0"/);
    expect(junit).toMatch(
      /<testcase classname="jitter.chaos" name="tiny-flaw"[^>]*><failure message="expected valid, got false/,
    );
    expect(junit).not.toMatch(/name="tiny-fixed"[^>]*><failure/);
    // A failed test keeps all its artifacts.
    flawRun = summary.tests[1]!.dir!;
    for (const f of ['test.json', 'history.jsonl', 'dumps.jsonl', 'results.json', 'report.html']) {
      expect(fs.existsSync(path.join(flawRun, f)), f).toBe(true);
    }
    expect(fs.existsSync(path.join(store, 'index.html'))).toBe(true);
  }, 240_000);

  it('a time budget too small skips what does not fit, and says so', async () => {
    const matrix = path.join(store, 'long.json');
    fs.writeFileSync(matrix, JSON.stringify({ tests: [{ name: 'too-long', config: { timeLimit: 600 } }] }));
    const r = await jitter([
      'nightly',
      '--matrix',
      matrix,
      '--store',
      store,
      '--out',
      path.join(store, 'o2'),
      '--budget',
      '60',
      '--json',
    ]);
    expect(r.exitCode).toBe(0);
    const summary = JSON.parse(r.stdout.trim()) as NightlySummary;
    expect(summary.tests[0]).toMatchObject({ valid: 'skipped', reason: 'time budget exhausted' });
    expect(fs.readFileSync(path.join(store, 'o2', 'junit.xml'), 'utf8')).toMatch(
      /<skipped message="time budget exhausted"\/>/,
    );
  });

  it('a bad matrix is refused with the field named', async () => {
    const matrix = path.join(store, 'bad.json');
    fs.writeFileSync(matrix, JSON.stringify({ modes: ['fixed', 'paxos'], nemeses: ['partition,meteor'] }));
    const r = await jitter(['nightly', '--matrix', matrix, '--store', store]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: modes\.1 must be equal to one of the allowed values/);
  });

  it('analyze re-checks a stored run with no cluster and gives the original verdict', async () => {
    expect(flawRun).not.toBe('');
    const original = readJson<RunResults>(path.join(flawRun, 'results.json'));
    fs.rmSync(path.join(flawRun, 'results.json'));
    const r = await jitter(['analyze', flawRun, '--json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).valid).toBe(false);
    const again = readJson<RunResults>(path.join(flawRun, 'results.json'));
    expect(again.valid).toBe(original.valid);
    expect(Object.fromEntries(Object.entries(again.checkers).map(([k, v]) => [k, v.valid]))).toEqual(
      Object.fromEntries(Object.entries(original.checkers).map(([k, v]) => [k, v.valid])),
    );
    // A bare history file works too (no dumps: linearizability and stats only).
    const bare = await jitter(['analyze', path.join(flawRun, 'history.jsonl'), '--json']);
    expect(Object.keys(JSON.parse(bare.stdout).checkers).sort()).toEqual(['linearizability', 'stats']);
  }, 120_000);

  it('repro re-runs an invalid run with its seed and schedule, and the anomaly comes back', async () => {
    const r = await jitter(['repro', flawRun, '--times', '1', '--json']);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summary = lines.pop();
    expect(summary).toMatchObject({ original: flawRun, originalValid: false, runs: 1, reproduced: 1 });
    expect(r.exitCode).toBe(1);
    const record = readJson<RunRecord>(path.join(summary.dirs[0], 'test.json'));
    const original = readJson<RunRecord>(path.join(flawRun, 'test.json'));
    expect(record.reproduces).toBe(flawRun);
    expect(record.seed).toBe(original.seed);
    expect(record.schedule).toEqual(original.schedule);
  }, 120_000);
});

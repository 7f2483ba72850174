/** Shrinking a failing simulated run, and the command line's exit codes. */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSimFaults } from '../sim/faults.js';
import { simDefaults } from '../sim/options.js';
import { runSim } from '../sim/run.js';
import { shrink, stillFails } from '../sim/shrink.js';
import type { SimRegression } from '../sim/shrink-command.js';
import { realSchedule, stepList } from '../sim/steps.js';

describe('jitter shrink', () => {
  it('keeps the failure while the run gets smaller', () => {
    const o = {
      ...simDefaults(1),
      flaws: ['timestamp-tie'],
      timeLimit: 6,
      // Named, not `all`: a fault added to `all` would change this seed's schedule.
      nemesis: [
        'partition',
        'client-partition',
        'latency',
        'chaos',
        'kill',
        'power',
        'pause',
        'vc-kill',
        'clock',
        'drift',
      ],
      nemesisInterval: 1,
    };
    const before = runSim(o);
    expect(before.results.checkers['commit-consistency']?.valid).toBe(false);
    const r = shrink(o, ['commit-consistency'], { maxRuns: 30 });
    expect(stillFails(r.run, ['commit-consistency'])).toBe(true);
    expect(r.options.timeLimit).toBeLessThanOrEqual(o.timeLimit);
    expect(r.run.results.ops.total).toBeLessThan(before.results.ops.total);
    expect(r.options.schedule!.length).toBeLessThanOrEqual(before.schedule.length);
    // The kept options replay to the same failure.
    expect(stillFails(runSim(r.options), ['commit-consistency'])).toBe(true);
    expect(stepList(r.run, r.checkers)).toContain('failing: commit-consistency');
  }, 120_000);

  it('hands real runs only the faults real processes can take', () => {
    const faults = makeSimFaults(['partition', 'power', 'chaos', 'kill']);
    const schedule = [
      { atMs: 1, fault: 'partition', action: 'start' as const },
      { atMs: 2, fault: 'power', action: 'start' as const },
      { atMs: 3, fault: 'chaos', action: 'start' as const },
      { atMs: 4, fault: 'kill', action: 'stop' as const },
    ];
    expect(realSchedule(schedule, faults).map((a) => a.fault)).toEqual(['partition', 'kill']);
  });
});

const cli = path.join(import.meta.dirname, '..', 'dist', 'harness', 'cli.js');

describe.skipIf(!fs.existsSync(cli))('jitter sim command line', () => {
  it('names a bad flag in one line and exits 2', () => {
    for (const args of [
      ['--replicas', 'x'],
      ['--flaw', 'nope'],
      ['--nemesis', 'partition,nope'],
      ['--seeds', '5-1'],
    ]) {
      const r = spawnSync(process.execPath, [cli, 'sim', ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toContain(args[0]);
    }
  }, 120_000);

  it('exits 1 on an invalid run and 0 on a valid one', () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-sim-cli-'));
    try {
      const bad = spawnSync(
        process.execPath,
        [
          cli,
          'sim',
          '--seed',
          '1',
          '--time',
          '2',
          '--flaw',
          'local-reads',
          '--store',
          store,
          '--no-report',
          '--json',
        ],
        { encoding: 'utf8' },
      );
      expect(bad.status).toBe(1);
      const ok = execFileSync(
        process.execPath,
        [cli, 'sim', '--seeds', '1-2', '--time', '2', '--jobs', '1', '--store', store, '--json'],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(ok).failures).toEqual([]);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  }, 120_000);

  it('jitter shrink writes steps.txt, schedule.json and regression.json; jitter test --schedule takes the schedule', () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-shrink-cli-'));
    try {
      // A replica that forgets its log on a kill: the failure needs the kill, so the shrunk schedule keeps one.
      const failing = spawnSync(
        process.execPath,
        [
          cli,
          'sim',
          '--seed',
          '1',
          '--time',
          '6',
          '--flaw',
          'no-durability',
          '--nemesis',
          'kill,partition',
          '--nemesis-interval',
          '0.5',
          '--store',
          path.join(store, 'runs'),
          '--no-report',
          '--json',
        ],
        { encoding: 'utf8' },
      );
      expect(failing.status, failing.stderr).toBe(1);
      const runDir = (JSON.parse(failing.stdout) as { dir: string }).dir;
      const shrunk = spawnSync(
        process.execPath,
        [cli, 'shrink', runDir, '--max-runs', '20', '--store', path.join(store, 'shrunk')],
        { encoding: 'utf8' },
      );
      expect(shrunk.status, shrunk.stderr).toBe(0);
      const dir = /minimal run \(\d+ runs\): (.+)/.exec(shrunk.stderr)![1]!;
      for (const f of [
        'steps.txt',
        'schedule.json',
        'regression.json',
        'shrink.json',
        'test.json',
        'history.jsonl',
      ])
        expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'steps.txt'), 'utf8')).toContain('failing: ');
      const regression = JSON.parse(
        fs.readFileSync(path.join(dir, 'regression.json'), 'utf8'),
      ) as SimRegression;
      expect(regression.checkers.length).toBeGreaterThan(0);
      expect(regression.options).toMatchObject({ seed: 1, flaws: ['no-durability'] });
      expect(regression.description).toContain('no-durability seed 1');
      const schedulePath = path.join(dir, 'schedule.json');
      const schedule = JSON.parse(fs.readFileSync(schedulePath, 'utf8')) as Array<{ fault: string }>;
      expect(schedule.map((a) => a.fault)).toContain('kill');
      // jitter test reads and validates --schedule before anything else it refuses: with --stop-on-anomaly and
      // no --check-every, an accepted schedule ends at that complaint, before any process starts.
      const check = (file: string) =>
        spawnSync(
          process.execPath,
          [cli, 'test', '--schedule', file, '--stop-on-anomaly', '--store', path.join(store, 'real')],
          { encoding: 'utf8' },
        );
      const accepted = check(schedulePath);
      expect(accepted.status).toBe(2);
      expect(accepted.stderr.trim()).toBe(
        'error: config: stopOnAnomaly (--stop-on-anomaly) needs checkEvery (--check-every SECONDS)',
      );
      // The same path refuses a broken schedule, naming the file.
      const bad = path.join(store, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify([{ ...schedule[0], atMs: -1 }]));
      expect(check(bad).stderr).toContain('bad.json');
      expect(fs.existsSync(path.join(store, 'real'))).toBe(false);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  }, 180_000);
});

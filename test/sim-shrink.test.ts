/** Shrinking a failing simulated run, and the command line's exit codes. */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSimFaults } from '../sim/faults.js';
import { ALL_SIM_FAULTS, simDefaults } from '../sim/options.js';
import { runSim } from '../sim/run.js';
import { shrink, stillFails } from '../sim/shrink.js';
import { realSchedule, stepList } from '../sim/steps.js';

describe('jitter shrink', () => {
  it('keeps the failure while the run gets smaller', () => {
    const o = {
      ...simDefaults(1),
      flaws: ['timestamp-tie'],
      timeLimit: 6,
      nemesis: ALL_SIM_FAULTS,
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
});

/**
 * --check-every with --stop-on-anomaly: a seed-mode run that goes wrong early ends its main phase at the first
 * anomaly instead of running out its time limit, then heals, reads, tears down and stores as usual.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { RunRecord, RunResults } from '../core/store.js';
import { cliPath } from '../jitpaxos/cluster.js';

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

describe('incremental checks during a run', () => {
  it('stop a seed-mode run at its first anomaly, stored and checked whole', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-live-'));
    // A time limit far past the test's own timeout: that the run ends at all shows its main phase stopped at the
    // anomaly and did not run out the limit, however slow the machine (it takes seconds on an idle one).
    const limit = 3600;
    const r = await execa(
      process.execPath,
      [
        cliPath(),
        'test',
        '--mode',
        'seed',
        '--seed',
        '12',
        '--nemesis',
        'partition,kill',
        '--nemesis-interval',
        '2',
        '--time-limit',
        String(limit),
        '--check-every',
        '1',
        '--stop-on-anomaly',
        '--store',
        store,
        '--json',
      ],
      { reject: false, timeout: 240_000 },
    );
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { dir: string };
    const record = readJson<RunRecord>(path.join(out.dir, 'test.json'));
    expect(record.anomaly).toMatchObject({ stopped: true });
    expect(record.anomaly!.atMs).toBeLessThan(limit * 1000);
    expect(record.durationMs!).toBeLessThan(limit * 1000);
    expect(readJson<RunResults>(path.join(out.dir, 'results.json')).valid).toBe(false);
    for (const f of ['history.edn', 'dumps.jsonl', 'report.html'])
      expect(fs.existsSync(path.join(out.dir, f))).toBe(true);
    fs.rmSync(store, { recursive: true, force: true });
  }, 300_000);

  it('refuses --stop-on-anomaly without --check-every, in one line', async () => {
    const r = await execa(process.execPath, [cliPath(), 'test', '--stop-on-anomaly'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toContain('--check-every');
  });
});

/**
 * A real run's dumps.jsonl: replicas answer periodic dumps with only their new entries (admin /log?from=N),
 * the harness stores deltas, and the stored verdict is the one the whole-dump checker gives on the logs
 * read back whole.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { decodeDumps, isDelta } from '../checkers/dump-stream.js';
import type { ReplicaLogDump } from '../checkers/types.js';
import type { Op } from '../core/history.js';
import type { RunResults } from '../core/store.js';
import { readDumps } from '../harness/analyze.js';
import { jsonLines } from '../harness/jsonl-stream.js';
import { cliPath } from '../jitpaxos/cluster.js';
import { checkCommitConsistency as reference } from './commit-consistency-reference.js';

describe('dumps of a real run', () => {
  it('are deltas between whole ones, and check as the whole dumps would', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-dumps-run-'));
    fs.writeFileSync(path.join(store, 'cfg.json'), JSON.stringify({ dumpInterval: 1 }));
    const r = await execa(
      process.execPath,
      [
        cliPath(),
        'test',
        '--config',
        path.join(store, 'cfg.json'),
        '--mode',
        'seed',
        '--seed',
        '12',
        '--nemesis',
        'partition,kill',
        '--nemesis-interval',
        '2',
        '--time-limit',
        '10',
        '--store',
        store,
        '--json',
      ],
      { reject: false, timeout: 180_000 },
    );
    const dir = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { dir: string }).dir;
    const records = [...readDumps(path.join(dir, 'dumps.jsonl'))];
    expect(records.filter(isDelta).length).toBeGreaterThan(3);
    expect(records.filter((x) => x.final).every((x) => !isDelta(x))).toBe(true);
    const whole: ReplicaLogDump[] = [];
    for (const d of decodeDumps(records)) whole.push({ ...d.dump, log: d.dump.log.slice() });
    const history = [...jsonLines<Op>(path.join(dir, 'history.jsonl'))];
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResults;
    const expected = reference({ history, dumps: whole, replicas: ['r1', 'r2', 'r3'] });
    expect(JSON.parse(JSON.stringify(results.checkers['commit-consistency']))).toEqual(
      JSON.parse(JSON.stringify(expected)),
    );
    fs.rmSync(store, { recursive: true, force: true });
  }, 240_000);
});

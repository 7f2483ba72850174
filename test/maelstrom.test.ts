/**
 * A second system: Maelstrom nodes written in Python (test/fixtures/maelstrom), run by `jitter test
 * --system maelstrom` behind Toxiproxy, one proxy per directed link. The correct single-leader node passes
 * under partitions; the node that answers reads from local state is caught. Needs the build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { RunRecord, RunResults } from '../core/store.js';
import { cliPath } from '../jitpaxos/cluster.js';

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', 'maelstrom', name);
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

async function run(node: string, extra: string[] = []) {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-maelstrom-'));
  const r = await execa(
    process.execPath,
    [
      cliPath(),
      'test',
      '--system',
      'maelstrom',
      '--bin',
      `python3 ${fixture(node)}`,
      '--replicas',
      '3',
      '--nemesis',
      'partition',
      '--nemesis-interval',
      '2',
      '--time-limit',
      '12',
      '--seed',
      '3',
      '--store',
      store,
      '--json',
      ...extra,
    ],
    { reject: false, timeout: 150_000 },
  );
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { dir: string };
  return { r, dir: out.dir };
}

describe('jitter test --system maelstrom', () => {
  it('passes a correct single-leader lin-kv node under partitions', async () => {
    const { r, dir } = await run('lin_kv_leader.py', ['--workload', 'kv']);
    const results = readJson<RunResults>(path.join(dir, 'results.json'));
    expect(results.checkers.linearizability?.valid, dir).toBe(true);
    expect(results.ops.ok).toBeGreaterThan(50);
    expect(r.exitCode, r.stderr).toBe(0);
    // One proxy per directed link, and one per node for the clients.
    const record = readJson<RunRecord>(path.join(dir, 'test.json'));
    expect(record.cluster.replicas).toEqual(['n1', 'n2', 'n3']);
    expect(record.cluster.proxies.map((p) => p.name)).toEqual(
      expect.arrayContaining(['n1->n2', 'n2->n1', 'n3->n2', 'client->n3']),
    );
    // stderr is the node's log.
    expect(fs.readFileSync(path.join(dir, 'replicas', 'n2.log'), 'utf8')).toContain('init n2');
  }, 180_000);

  it('catches a node that answers reads from local state', async () => {
    // n3 is cut off from the leader (n1) for nine seconds while clients keep reading through it: every
    // read there of a key written since is stale. A random schedule may cut only links that do not matter.
    const schedule = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-schedule-')), 'schedule.json');
    fs.writeFileSync(
      schedule,
      JSON.stringify([
        {
          atMs: 1000,
          fault: 'partition',
          action: 'start',
          params: { topology: 'one', mode: 'reset', order: ['n3', 'n1', 'n2'] },
        },
        { atMs: 10_000, fault: 'partition', action: 'stop' },
      ]),
    );
    const { r, dir } = await run('lin_kv_local_reads.py', ['--workload', 'kv', '--schedule', schedule]);
    const results = readJson<RunResults>(path.join(dir, 'results.json'));
    expect(results.checkers.linearizability?.valid, dir).toBe(false);
    expect(r.exitCode).toBe(1);
  }, 180_000);

  it('refuses a missing --bin in one line, exit 2', async () => {
    const r = await execa(process.execPath, [cliPath(), 'test', '--system', 'maelstrom'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: config: maelstrom.bin: the node command is required (--bin "CMD ARGS")',
    );
  });
});

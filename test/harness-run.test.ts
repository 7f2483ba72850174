/**
 * `jitter test` end to end, as a user runs it: a real cluster behind the embedded Toxiproxy, real clients,
 * a partition nemesis, checks and the store. Needs the build (npm test builds first).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readHistoryFile } from '../checkers/index.js';
import { checkHistory } from '../checkers/linearizability.js';
import type { RunRecord, RunResults } from '../core/store.js';
import { cliPath } from '../jitpaxos/cluster.js';

const jitter = (args: string[], opts: { timeout?: number } = {}) =>
  execa(process.execPath, [cliPath(), ...args], { reject: false, timeout: opts.timeout ?? 120_000 });

function store(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-store-'));
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** Processes whose command line mentions `text` (replicas carry their run folder in --data-dir). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(text)) pids.push(Number(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const u = new URL(url);
    const s = net.connect(Number(u.port), u.hostname);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

describe('jitter test', () => {
  it('a 20 s fixed-mode run of 16 clients under partitions is valid, stored whole, and exits 0', async () => {
    const dir = store();
    const r = await jitter([
      'test',
      '--time-limit',
      '20',
      '--nemesis-interval',
      '3',
      '--seed',
      '7',
      '--store',
      dir,
      '--no-fsync',
      '--concurrency',
      '16',
      '--json',
    ]);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.valid, JSON.stringify(out)).toBe(true);
    expect(r.exitCode).toBe(0);
    // More clients than Node's default listener limit wait on one signal: no false leak warning.
    expect(r.stderr).not.toMatch(/MaxListenersExceededWarning/);
    const run = out.dir as string;
    for (const f of [
      'test.json',
      'history.jsonl',
      'history.edn',
      'dumps.jsonl',
      'results.json',
      'replicas/r1.log',
    ]) {
      expect(fs.existsSync(path.join(run, f)), f).toBe(true);
    }
    const record = readJson<RunRecord>(path.join(run, 'test.json'));
    expect(record.seed).toBe(7);
    expect(record.toxiproxy.kind).toBe('embedded');
    expect(record.cluster.proxies.map((p) => p.name)).toContain('r1->r2');
    const results = readJson<RunResults>(path.join(run, 'results.json'));
    expect(results.ops.ok).toBeGreaterThan(100);
    expect(Object.keys(results.checkers).sort()).toEqual([
      'availability',
      'commit-consistency',
      'linearizability',
      'replica-state',
      'stats',
    ]);
    // The nemesis really partitioned, and said exactly what it cut.
    const history = fs
      .readFileSync(path.join(run, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const starts = history.filter((op) => op.process === 'nemesis' && op.f === 'start');
    expect(starts.length).toBeGreaterThan(0);
    expect(starts[0].value.cut.length).toBeGreaterThan(0);
    expect(history.some((op) => op.process === 'nemesis' && op.f === 'heal')).toBe(true);
    expect(fs.readlinkSync(path.join(dir, 'latest'))).toBe(path.relative(dir, run));
    // Nothing left running.
    expect(processesMentioning(run)).toEqual([]);
    expect(await refused(record.toxiproxy.url)).toBe(true);
  }, 120_000);

  it('one seed flaw (timestamp ties under a coarse clock) makes the run invalid, exit 1', async () => {
    const dir = store();
    const r = await jitter([
      'test',
      ...['--time-limit', '10', '--seed', '11', '--store', dir, '--no-fsync', '--json'],
      // A 10 ms clock: ties are ten times as common as at 1 ms (about 6,000 Inv violations in 10 s rather than
      // 700), so a run on a loaded machine still shows the flaw (CI once saw none at 1 ms).
      ...['--flaw', 'timestamp-tie', '--clock-granularity', '10000', '--nemesis', 'none'],
    ]);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.valid).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(out.checkers['commit-consistency'] === false || out.checkers.linearizability === false).toBe(true);
  }, 120_000);

  it('SIGINT tears everything down, and the history so far is readable and checkable', async () => {
    const dir = store();
    const child = execa(
      process.execPath,
      [cliPath(), 'test', '--time-limit', '60', '--store', dir, '--no-fsync'],
      {
        reject: false,
      },
    );
    // Wait until operations are being recorded.
    const deadline = Date.now() + 30_000;
    let run: string | null = null;
    while (Date.now() < deadline) {
      const latest = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n !== 'latest') : [];
      const testDir = latest[0] ? path.join(dir, latest[0]) : null;
      const runs = testDir ? fs.readdirSync(testDir).filter((n) => n !== 'latest') : [];
      if (testDir && runs[0]) {
        run = path.join(testDir, runs[0]);
        const h = path.join(run, 'history.jsonl');
        if (fs.existsSync(h) && fs.readFileSync(h, 'utf8').split('\n').length > 50) break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run).not.toBeNull();
    expect(processesMentioning(run!).length).toBeGreaterThanOrEqual(3); // the replicas are up
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(processesMentioning(run!)).toEqual([]);
    const record = readJson<RunRecord>(path.join(run!, 'test.json'));
    expect(record.interrupted).toBe('SIGINT');
    expect(await refused(record.toxiproxy.url)).toBe(true);
    const { history } = readHistoryFile(path.join(run!, 'history.jsonl'));
    expect(history.length).toBeGreaterThan(50);
    const check = checkHistory(history, { model: 'jitter-kv', timeoutMs: 30_000 });
    expect(check.valid).not.toBe(false);
  }, 120_000);

  it('a malformed config file is refused with the field named, before anything starts', async () => {
    const file = path.join(store(), 'bad.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ replicas: 'three', nemesis: ['partition', 'meteor'], colour: 'red' }),
    );
    const r = await jitter(['test', '--config', file]);
    expect(r.exitCode).toBe(2);
    // One line, naming the file and then each bad field.
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.json: .*replicas must be integer/);
    expect(r.stderr).toMatch(/bad\.json: .*nemesis\.1 must be equal to one of the allowed values: partition/);
    expect(r.stderr).toMatch(/bad\.json: .*\(top level\) must NOT have additional properties "colour"/);
    const notJson = path.join(path.dirname(file), 'broken.json');
    fs.writeFileSync(notJson, '{"replicas": 3,');
    const r2 = await jitter(['test', '--config', notJson]);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(/broken\.json: not valid JSON/);
  });
});

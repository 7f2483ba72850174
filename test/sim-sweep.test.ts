/**
 * A sweep's record: nothing judged is lost to a signal, --resume runs only the rest and only one process runs
 * a record, failures are stored with their reports, the store browser and `store merge` know records.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { SeedVerdict, SweepSummary } from '../core/sweeps.js';
import { mergeStores } from '../harness/store-merge.js';
import { storeData, sweepRow } from '../reports/store-index.js';
import { until } from './nemesis-fixture.js';

const cli = path.join(import.meta.dirname, '..', 'dist', 'harness', 'cli.js');
const stores: string[] = [];
const newStore = () => {
  const s = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-sweep-'));
  stores.push(s);
  return s;
};
afterAll(() => {
  for (const s of stores) fs.rmSync(s, { recursive: true, force: true });
});

const sweepDir = (store: string) => {
  const d = path.join(store, 'sweeps');
  const names = fs.existsSync(d) ? fs.readdirSync(d) : [];
  return names[0] ? path.join(d, names[0]) : null;
};
const verdictLines = (dir: string) =>
  fs.existsSync(path.join(dir, 'verdicts.jsonl'))
    ? fs.readFileSync(path.join(dir, 'verdicts.jsonl'), 'utf8').split('\n').filter(Boolean)
    : [];
const summaryOf = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as SweepSummary;

describe.skipIf(!fs.existsSync(cli))('jitter sim sweeps', () => {
  it('SIGINT keeps every verdict judged; --resume runs the rest, a torn last line included', async () => {
    const store = newStore();
    const seeds = 200;
    const child = execa(
      process.execPath,
      [cli, 'sim', '--seeds', `1-${seeds}`, '--time', '1', '--jobs', '2', '--store', store],
      { reject: false },
    );
    let dir: string | null = null;
    await until(
      () => {
        dir = sweepDir(store);
        return dir !== null && verdictLines(dir).length >= 3;
      },
      60_000,
      'three verdicts in the record',
    );
    expect(sweepRow(store, dir!)?.state).toBe('running');
    // One process runs a record: a second is refused, naming the first.
    const second = await execa(process.execPath, [cli, 'sim', '--resume', dir!], { reject: false });
    expect(second.exitCode, second.stderr).toBe(2);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain(`pid ${child.pid}`);
    child.kill('SIGINT');
    const stopped = await child;
    expect(stopped.exitCode, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain(`--resume ${dir!}`);
    const partial = summaryOf(dir!);
    expect(partial).toMatchObject({ seeds, complete: false, stopped: 'SIGINT', failures: [] });
    expect(partial.judged).toBe(verdictLines(dir!).length);
    expect(partial.judged).toBeLessThan(seeds);
    expect(sweepRow(store, dir!)).toMatchObject({ state: 'stopped', stopped: 'SIGINT' });

    // A crash in the middle of a write leaves half a line: that seed is run again.
    const lines = verdictLines(dir!);
    const torn = JSON.parse(lines.at(-1)!) as SeedVerdict;
    fs.writeFileSync(path.join(dir!, 'verdicts.jsonl'), `${lines.slice(0, -1).join('\n')}\n{"seed":`);
    // ... and a sweep killed outright leaves its lock, which holds nothing once its process is gone.
    fs.writeFileSync(
      path.join(dir!, 'sweep.lock'),
      JSON.stringify({ pid: child.pid, host: os.hostname(), since: new Date().toISOString() }),
    );

    const resumed = await execa(process.execPath, [cli, 'sim', '--resume', dir!, '--json'], {
      reject: false,
    });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ record: dir, seeds, complete: true, failures: [] });
    const judged = verdictLines(dir!).flatMap((l) => {
      try {
        return [(JSON.parse(l) as SeedVerdict).seed];
      } catch {
        return [];
      }
    });
    // Each seed once: the interrupted session's verdicts were not run again, the torn one was.
    expect(judged.sort((a, b) => a - b)).toEqual(Array.from({ length: seeds }, (_, i) => i + 1));
    expect(judged.filter((s) => s === torn.seed)).toHaveLength(1);
    expect(summaryOf(dir!)).toMatchObject({ seeds, judged: seeds, valid: seeds, complete: true });
    expect(summaryOf(dir!).stopped).toBeUndefined();
    expect(fs.existsSync(path.join(dir!, 'sweep.lock'))).toBe(false);
    expect(sweepRow(store, dir!)).toMatchObject({ state: 'complete', judged: seeds, failures: [] });
  }, 180_000);

  it('the workers store each failing seed in a folder of its own with its report; the record names it', async () => {
    const store = newStore();
    const r = await execa(
      process.execPath,
      [
        cli,
        'sim',
        ...['--seeds', '1-6', '--time', '2', '--flaw', 'local-reads', '--keep-going', '--jobs', '2'],
        ...['--store', store, '--json'],
      ],
      { reject: false },
    );
    expect(r.exitCode, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { failures: SeedVerdict[]; stored: string[]; record: string };
    expect(out.failures.map((v) => v.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(out.stored).size).toBe(6);
    for (const v of out.failures) {
      // The record names the run relative to the store, so that the store can move.
      expect(path.isAbsolute(v.stored!)).toBe(false);
      const run = path.join(store, v.stored!);
      expect(out.stored).toContain(run);
      const results = JSON.parse(fs.readFileSync(path.join(run, 'results.json'), 'utf8'));
      expect(results.valid).toBe(false);
      const sim = JSON.parse(fs.readFileSync(path.join(run, 'sim.json'), 'utf8'));
      expect(sim.options.seed).toBe(v.seed);
      expect(fs.existsSync(path.join(run, 'report.html'))).toBe(true);
    }
    expect(out.stored).toContain(path.resolve(store, fs.readlinkSync(path.join(store, 'latest'))));
    expect(summaryOf(out.record)).toMatchObject({ judged: 6, invalid: 6, complete: true });

    // The store browser lists the sweep, each failing seed linked to its report; a merged store too.
    expect(fs.existsSync(path.join(store, 'index.html'))).toBe(true);
    const merged = newStore();
    expect((await mergeStores(merged, [store])).sweeps).toBe(1);
    for (const s of [store, merged]) {
      const [row] = (await storeData(s)).sweeps;
      expect(row, s).toMatchObject({ state: 'complete', judged: 6, invalid: 6, seeds: '1-6' });
      expect(row!.failures.map((f) => f.seed)).toEqual([1, 2, 3, 4, 5, 6]);
      for (const f of row!.failures) {
        expect(f.report, s).toBe(`${f.run}/report.html`);
        expect(fs.existsSync(path.join(s, f.report!)), s).toBe(true);
      }
    }
  }, 180_000);

  it('--resume refuses flags that would change the sweep, and a folder that is not a record', async () => {
    const store = newStore();
    const made = await execa(
      process.execPath,
      [cli, 'sim', '--seeds', '1-2', '--time', '1', '--jobs', '1', '--store', store, '--json'],
      { reject: false },
    );
    expect(made.exitCode, made.stderr).toBe(0);
    const dir = (JSON.parse(made.stdout) as { record: string }).record;
    for (const [args, named] of [
      [['--resume', dir, '--time', '5'], '--time'],
      [['--resume', dir, '--flaw', 'local-reads'], '--flaw'],
      [['--resume', store], '--resume'],
    ] as const) {
      const r = await execa(process.execPath, [cli, 'sim', ...args], { reject: false });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toContain(named);
    }
  }, 120_000);
});

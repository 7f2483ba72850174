/**
 * bench:nemesis — how fast the nemesis finds the seed protocol's flaws, from real `jitter test` runs.
 * For each configuration and seed: one run; whether it is invalid (linearizability or commit consistency),
 * which checker said so, and the time (s since the first client operation) of the earliest operation the checker's
 * counterexample or violations name. Fixed mode must find nothing: an invalid fixed run is printed as such,
 * with its folder and the checker's reason.
 *
 *   node dist/harness/bench/flaws.js [--seeds 10] [--first-seed 1] [--time-limit 30] [--store DIR] [--only seed|fixed]
 *   node dist/harness/bench/flaws.js --summarize <store>/bench-nemesis.jsonl
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readHistoryFile } from '../../checkers/index.js';
import type { RunResults } from '../../core/store.js';
import { firstAnomaly, median } from '../anomaly.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '..', 'cli.js');

const CONFIGS: Array<{ label: string; args: string[] }> = [];
for (const mode of ['seed', 'fixed'])
  CONFIGS.push(
    {
      label: `${mode} r5 latency,partition`,
      args: ['--mode', mode, '--replicas', '5', '--nemesis', 'latency,partition'],
    },
    { label: `${mode} clock`, args: ['--mode', mode, '--nemesis', 'clock'] },
    { label: `${mode} kill`, args: ['--mode', mode, '--nemesis', 'kill'] },
  );

interface Summary {
  label: string;
  seed: number;
  dir: string;
  valid: unknown;
  checkers: string[];
  firstAnomalyS: number | null;
  reason?: string;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : def;
}

/** The first anomaly of a stored run (harness/anomaly.ts), read from its results and history. */
function anomalyOf(dir: string) {
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResults;
  return firstAnomaly(results, readHistoryFile(path.join(dir, 'history.jsonl'), 'jsonl').history);
}

function summarize(all: Summary[]): void {
  for (const c of CONFIGS) {
    const mine = all.filter((s) => s.label === c.label);
    if (mine.length === 0) continue;
    // Runs that never got going (set-up failed) are counted apart, not as seeds.
    const rows = mine.filter((s) => s.valid === true || s.valid === false);
    // An anomaly is what linearizability or commit consistency reports (availability is not one).
    const bad = rows.filter((s) => s.checkers.length > 0);
    const times = bad.map((s) => s.firstAnomalyS).filter((x): x is number => x !== null);
    const which = [...new Set(bad.flatMap((s) => s.checkers))].join('+') || '-';
    const med = median(times);
    process.stdout.write(
      `config="${c.label}" seeds=${rows.length} anomalies=${bad.length} not_run=${mine.length - rows.length} median_first_s=${med === null ? '-' : med.toFixed(2)} checkers=${which}\n`,
    );
  }
}

async function main(): Promise<void> {
  const seeds = Number(arg('--seeds', '10'));
  const firstSeed = Number(arg('--first-seed', '1'));
  const timeLimit = arg('--time-limit', '30');
  const only = arg('--only', '');
  const store = arg('--store', fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-bench-nemesis-')));
  const out = path.join(store, 'bench-nemesis.jsonl');
  const all: Summary[] = [];
  const previous = arg('--summarize', '');
  if (previous) {
    // Only summarize the runs of an earlier (maybe cut short) bench.
    const rows = fs.readFileSync(previous, 'utf8').trim().split('\n');
    summarize(rows.map((l) => JSON.parse(l) as Summary));
    return;
  }
  // Seeds outside, configurations inside: a bench cut short still covers every configuration.
  const chosen = CONFIGS.filter((x) => !only || x.label.startsWith(only));
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    for (let k = 0, attempt = 1; k < chosen.length; k++) {
      const c = chosen[k]!;
      const r = await execa(
        process.execPath,
        [
          CLI,
          'test',
          ...c.args,
          ...['--seed', String(seed), '--time-limit', timeLimit, '--store', store, '--json', '--no-fsync'],
        ],
        { reject: false, all: true, timeout: 600_000 },
      );
      const line = r.stdout.trim().split('\n').pop() ?? '';
      let s: Summary;
      try {
        const j = JSON.parse(line.startsWith('{') ? line : '{}');
        if (j.interrupted) {
          // Set-up failures (a replica slow to start on a busy machine) say nothing about the protocol: retry once.
          process.stderr.write(`${c.label} seed ${seed}: interrupted (${j.interrupted})\n`);
          if (attempt++ < 2) {
            k--;
            continue;
          }
        }
        attempt = 1;
        const a = j.valid === false && !j.interrupted ? anomalyOf(j.dir) : null;
        s = {
          label: c.label,
          seed,
          dir: j.dir,
          valid: j.interrupted ? 'interrupted' : j.valid,
          checkers: a?.checkers ?? [],
          firstAnomalyS: a?.firstS ?? null,
          ...(a?.reason ? { reason: a.reason.slice(0, 400) } : {}),
        };
      } catch {
        s = {
          label: c.label,
          seed,
          dir: '',
          valid: 'error',
          checkers: [],
          firstAnomalyS: null,
          reason: r.all?.slice(-400),
        };
      }
      all.push(s);
      fs.appendFileSync(out, `${JSON.stringify(s)}\n`);
      process.stderr.write(
        `${c.label} seed ${seed}: valid=${s.valid} ${s.checkers.join('+')} first=${s.firstAnomalyS?.toFixed(2) ?? '-'}s ${s.dir}\n`,
      );
      if (c.label.startsWith('fixed') && s.valid === false)
        process.stderr.write(`!!! FIXED-MODE ANOMALY: ${s.dir}\n    ${s.reason}\n`);
    }
  }
  summarize(all);
  process.stdout.write(`runs=${out}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();

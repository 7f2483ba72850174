/**
 * bench:nemesis — how fast the nemesis finds the seed protocol's flaws, from real `jitter test` runs.
 * For each configuration and seed: one run; whether it is invalid (linearizability or commit consistency),
 * which checker said so, and the time (s since the first client operation) of the earliest operation the checker's
 * counterexample or violations name. Fixed mode must find nothing: an invalid fixed run is printed as such,
 * with its folder and the checker's reason.
 *
 *   node dist/nemesis/bench-flaws.js [--seeds 10] [--first-seed 1] [--time-limit 30] [--store DIR] [--only seed|fixed]
 *   node dist/nemesis/bench-flaws.js --summarize <store>/bench-nemesis.jsonl
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '..', 'harness', 'cli.js');

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

interface HistOp {
  index: number;
  time: number;
}
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

/** Earliest time (ns) of an operation named by the failing checkers, from results.json and history.jsonl. */
export function firstAnomalyNs(dir: string): { ns: number | null; checkers: string[]; reason?: string } {
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
  const history: HistOp[] = fs
    .readFileSync(path.join(dir, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  // Times from the first client operation (the workload's start), not from the run's set-up.
  const t0 = history.find((op) => (op as { process?: unknown }).process !== 'nemesis')?.time ?? 0;
  const at = (i: number | null | undefined) =>
    i == null ? Number.POSITIVE_INFINITY : (history[i]?.time ?? Infinity);
  const failing: string[] = [];
  let best = Number.POSITIVE_INFINITY;
  const reasons: string[] = [];
  const lin = results.checkers.linearizability;
  if (lin?.valid === false) {
    failing.push('linearizability');
    reasons.push(`linearizability: ${lin.reason ?? ''}`);
    const cx = lin.counterexample;
    for (const op of [cx?.op, ...(cx?.pending ?? [])]) if (op) best = Math.min(best, at(op.ret ?? op.call));
  }
  const cc = results.checkers['commit-consistency'];
  if (cc?.valid === false) {
    failing.push('commit-consistency');
    reasons.push(`commit-consistency: ${cc.reason ?? ''}`);
    for (const v of cc.violations ?? []) best = Math.min(best, at(v.commit?.opIndex), at(v.other?.opIndex));
  }
  return {
    ns: Number.isFinite(best) ? best - t0 : null,
    checkers: failing,
    reason: reasons.join(' | ') || undefined,
  };
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

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

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
        const a = j.valid === false && !j.interrupted ? firstAnomalyNs(j.dir) : null;
        s = {
          label: c.label,
          seed,
          dir: j.dir,
          valid: j.interrupted ? 'interrupted' : j.valid,
          checkers: a?.checkers ?? [],
          firstAnomalyS: a?.ns != null ? a.ns / 1e9 : null,
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

/**
 * bench:nemesis — how fast the nemesis finds the seed protocol's flaws, from real `jitter test` runs.
 * For each configuration and seed: one run; whether it is invalid (linearizability or commit consistency),
 * which checker said so, and the time (s since the first client operation) of the earliest operation the checker's
 * counterexample or violations name. Fixed mode must find nothing: an invalid fixed run is printed as such,
 * with its folder and the checker's reason.
 *
 *   node dist/nemesis/bench-flaws.js [--seeds 10] [--time-limit 30] [--store DIR] [--only seed|fixed]
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

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const seeds = Number(arg('--seeds', '10'));
  const timeLimit = arg('--time-limit', '30');
  const only = arg('--only', '');
  const store = arg('--store', fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-bench-nemesis-')));
  const out = path.join(store, 'bench-nemesis.jsonl');
  const all: Summary[] = [];
  for (const c of CONFIGS.filter((x) => !only || x.label.startsWith(only))) {
    for (let seed = 1, attempt = 1; seed <= seeds; seed++) {
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
            seed--;
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
  for (const c of CONFIGS) {
    const rows = all.filter((s) => s.label === c.label);
    if (rows.length === 0) continue;
    const bad = rows.filter((s) => s.valid === false);
    const times = bad.map((s) => s.firstAnomalyS).filter((x): x is number => x !== null);
    const which = [...new Set(bad.flatMap((s) => s.checkers))].join('+') || '-';
    const med = median(times);
    process.stdout.write(
      `config="${c.label}" seeds=${rows.length} anomalies=${bad.length} median_first_s=${med === null ? '-' : med.toFixed(2)} checkers=${which}\n`,
    );
  }
  process.stdout.write(`runs=${out}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();

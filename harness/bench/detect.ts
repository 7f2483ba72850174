/**
 * bench:detect — the seeded-flaw suite as a measurement. For each seed flaw, runs `jitter test` in fixed mode
 * with exactly that flaw on and the nemesis that should expose it (harness/matrix.ts FLAW_EXPOSURE), for N
 * seeds; then fixed mode with every fault, which must stay clean. Prints one key=value line per run and a
 * table: flaw, detection rate, median time to the first anomaly, which checker caught it.
 *
 * The simulation columns (sim/detect.ts) run the same flaws in the simulated world over many more seeds.
 *
 *   node dist/harness/bench/detect.js [--seeds 5] [--time-limit 180] [--only FLAW[,FLAW]] [--store DIR]
 *     [--sim-seeds 1000] [--sim-time 20] [--sim-jobs CORES] [--no-real] [--no-sim]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readHistoryFile } from '../../checkers/index.js';
import { ALL_FLAWS } from '../../jitpaxos/config.js';
import { FAULT_NAMES } from '../../nemesis/index.js';
import { type SimDetectRow, simDetect } from '../../sim/detect.js';
import { firstAnomaly, median } from '../anomaly.js';
import { resolveConfig, type TestConfig } from '../config.js';
import { flawConfig, MASKED_FLAWS } from '../matrix.js';
import { runTest } from '../run.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : def;
}

interface Row {
  flaw: string;
  seed: number;
  valid: unknown;
  caught: boolean;
  firstS: number | null;
  checkers: string[];
  dir: string;
}

async function once(label: string, partial: Partial<TestConfig>, seed: number, store: string): Promise<Row> {
  const cfg = resolveConfig(seed, { ...partial, seed, store, name: `detect-${label}` }, {});
  const controller = new AbortController();
  const outcome = await runTest(cfg, { signal: controller.signal, progress: () => {} });
  const results = outcome.results;
  const history = readHistoryFile(path.join(outcome.dir, 'history.jsonl'), 'jsonl').history;
  const a = results
    ? firstAnomaly(results, history, { liveness: true })
    : { firstS: null, checkers: [] as string[] };
  const row: Row = {
    flaw: label,
    seed,
    valid: results?.valid ?? 'unknown',
    caught: a.checkers.length > 0 || results?.valid === false,
    firstS: a.firstS,
    checkers:
      a.checkers.length > 0
        ? a.checkers
        : results
          ? Object.keys(results.checkers).filter((k) => results.checkers[k]!.valid === false)
          : [],
    dir: outcome.dir,
  };
  process.stdout.write(
    `flaw=${label} seed=${seed} valid=${String(row.valid)} first_anomaly_s=${row.firstS === null ? '-' : row.firstS.toFixed(2)} checkers=${row.checkers.join('+') || '-'} dir=${row.dir}\n`,
  );
  return row;
}

async function main(): Promise<void> {
  const seeds = Number(arg('--seeds', '5'));
  const timeLimit = Number(arg('--time-limit', '180'));
  const store = arg('--store', fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-detect-')));
  const only = arg('--only', '').split(',').filter(Boolean);
  const flaws = only.length > 0 ? ALL_FLAWS.filter((f) => only.includes(f)) : ALL_FLAWS;
  const real = !process.argv.includes('--no-real');
  const rows: Row[] = [];
  for (const flaw of real ? flaws : []) {
    for (let seed = 1; seed <= seeds; seed++)
      rows.push(await once(flaw, flawConfig(flaw, timeLimit), seed, store));
  }
  const sim = new Map<string, SimDetectRow>();
  if (!process.argv.includes('--no-sim')) {
    const o = {
      seeds: Number(arg('--sim-seeds', '1000')),
      timeLimit: Number(arg('--sim-time', '20')),
      jobs: Number(arg('--sim-jobs', String(os.availableParallelism()))),
    };
    const labels = [...flaws, ...(only.length === 0 || only.includes('fixed') ? ['fixed'] : [])];
    for (const label of labels) {
      const row = await simDetect(label, o);
      sim.set(label, row);
      process.stdout.write(
        `sim flaw=${label} failed=${row.failed}/${row.seeds} median_first_sim_s=${row.medianFirstSimS?.toFixed(2) ?? '-'} wall_to_first_s=${row.wallToFirstS?.toFixed(2) ?? '-'} checkers=${row.checkers.join('+') || '-'}\n`,
      );
    }
  }
  if (real && (only.length === 0 || only.includes('fixed'))) {
    const all: Partial<TestConfig> = {
      jitpaxos: { mode: 'fixed', fsync: false },
      timeLimit,
      nemesis: FAULT_NAMES,
      nemesisInterval: 3,
    };
    for (let seed = 1; seed <= seeds; seed++) rows.push(await once('fixed', all, seed, store));
  }
  process.stdout.write(
    '\nflaw                   caught  median_first_s  sim_failed  sim_first_s  sim_wall_to_first_s  checkers\n',
  );
  for (const label of [...new Set([...rows.map((r) => r.flaw), ...sim.keys()])]) {
    const mine = rows.filter((r) => r.flaw === label);
    const caught = mine.filter((r) => r.caught);
    const med = median(caught.map((r) => r.firstS).filter((x): x is number => x !== null));
    const checkers = [...new Set(caught.flatMap((r) => r.checkers))].join('+') || '-';
    const note = MASKED_FLAWS.includes(label) ? '  (masked alone by the other fixes: expected 0)' : '';
    const sr = sim.get(label);
    const simCols = sr
      ? `${`${sr.failed}/${sr.seeds}`.padEnd(11)} ${(sr.medianFirstSimS?.toFixed(1) ?? '-').padEnd(12)} ${(sr.wallToFirstS?.toFixed(2) ?? '-').padEnd(20)}`
      : `${'-'.padEnd(11)} ${'-'.padEnd(12)} ${'-'.padEnd(20)}`;
    const realCaught = mine.length > 0 ? `${caught.length}/${mine.length}` : '-';
    const allCheckers = [...new Set([...caught.flatMap((r) => r.checkers), ...(sr?.checkers ?? [])])].join(
      '+',
    );
    process.stdout.write(
      `${label.padEnd(22)} ${realCaught.padEnd(7)} ${(med === null ? '-' : med.toFixed(1)).padEnd(15)} ${simCols} ${allCheckers || checkers}${note}\n`,
    );
  }
  process.stdout.write(`summary store=${store} time_limit_s=${timeLimit} seeds=${seeds}\n`);
}

await main();

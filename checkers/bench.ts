/**
 * `npm run bench:check`: checks the Porcupine corpus several times and prints per-file medians and totals
 * beside Porcupine's own figures (BASELINE.md), plus a synthetic 100,000-operation jitter-kv history.
 * One key=value line per file and per total. Run with --expose-gc for a GC before each sample.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { History } from '../core/history.js';
import { syntheticJitterKv } from './bench/synthetic.js';
import { checkHistory } from './linearizability.js';
import { readHistoryFile } from './readers/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const CORPUS = process.env.CORPUS ?? join(here, '../../test/fixtures/porcupine');
const RUNS = Number(process.env.RUNS ?? 11);
const gc = (globalThis as { gc?: () => void }).gc;

interface Expected {
  file: string;
  model: string;
  linearizable: boolean;
}

/** Porcupine's medians from BASELINE.md: etcd files, and kv at GOMAXPROCS 2 and 1 (partitioned). */
function baseline(): { etcd: Map<string, number>; kv2: Map<string, number>; kv1: Map<string, number> } {
  const etcd = new Map<string, number>();
  const kv2 = new Map<string, number>();
  const kv1 = new Map<string, number>();
  for (const line of readFileSync(join(CORPUS, 'BASELINE.md'), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (/^etcd_\d+\.log$/.test(cells[1] ?? '')) etcd.set(`etcd/${cells[1]}`, Number(cells[8]));
    if (/^c\d+-(ok|bad)\.txt$/.test(cells[1] ?? '') && cells[2] === 'kv (partitioned by key)') {
      (cells[3] === '1' ? kv1 : kv2).set(`kv/${cells[1]}`, Number(cells[11]));
    }
  }
  return { etcd, kv2, kv1 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median (and minimum: the machine is shared, and the least disturbed run says most about the code). */
function time(history: History, model: string, runs: number): { ms: number; min: number; valid: unknown } {
  const samples: number[] = [];
  let valid: unknown;
  for (let i = 0; i < runs + 2; i++) {
    gc?.();
    const t0 = performance.now();
    valid = checkHistory(history, { model }).valid;
    const ms = performance.now() - t0;
    if (i >= 2) samples.push(ms); // two warm-up runs let the JIT settle
  }
  return { ms: median(samples), min: Math.min(...samples), valid };
}

const f3 = (x: number) => x.toFixed(3);

function main(): void {
  const base = baseline();
  const files: Expected[] = JSON.parse(readFileSync(join(CORPUS, 'EXPECTED.json'), 'utf8')).files;
  let etcdMs = 0;
  let etcdBase = 0;
  let etcdMin = 0;
  let mismatches = 0;
  const kvRows = new Map<string, { ms: number; min: number }>();
  for (const f of files) {
    const { history } = readHistoryFile(join(CORPUS, f.file));
    const { ms, min, valid } = time(history, f.model, RUNS);
    if (valid !== f.linearizable) mismatches++;
    const ref = base.etcd.get(f.file) ?? base.kv2.get(f.file);
    const extra = ref === undefined ? '' : ` porcupine_ms=${f3(ref)} ratio=${f3(ms / ref)}`;
    process.stdout.write(
      `file=${f.file} model=${f.model} valid=${valid} expected=${f.linearizable} median_ms=${f3(ms)}${extra}\n`,
    );
    if (f.file.startsWith('etcd/')) {
      etcdMs += ms;
      etcdMin += min;
      etcdBase += ref ?? 0;
    } else kvRows.set(f.file, { ms, min });
  }
  process.stdout.write(
    `total=etcd files=103 median_sum_ms=${f3(etcdMs)} min_sum_ms=${f3(etcdMin)} porcupine_ms=${f3(etcdBase)} ratio=${f3(etcdMs / etcdBase)}\n`,
  );
  let kvMs = 0;
  let kvBase2 = 0;
  let kvBase1 = 0;
  for (const [file, { ms }] of kvRows) {
    kvMs += ms;
    kvBase2 += base.kv2.get(file) ?? 0;
    kvBase1 += base.kv1.get(file) ?? 0;
  }
  process.stdout.write(
    `total=kv files=${kvRows.size} median_sum_ms=${f3(kvMs)} porcupine_ms=${f3(kvBase2)} ratio=${f3(kvMs / kvBase2)} porcupine_1core_ms=${f3(kvBase1)} ratio_1core=${f3(kvMs / kvBase1)}\n`,
  );
  const c50 = kvRows.get('kv/c50-ok.txt') ?? { ms: Number.NaN, min: Number.NaN };
  const c50base = base.kv1.get('kv/c50-ok.txt') ?? Number.NaN;
  process.stdout.write(
    `total=c50-ok median_ms=${f3(c50.ms)} min_ms=${f3(c50.min)} porcupine_1core_ms=${f3(c50base)} ratio_1core=${f3(c50.ms / c50base)}\n`,
  );
  process.stdout.write(`total=corpus mismatches=${mismatches}\n`);

  // Synthetic: 100,000 operations, 10 keys, 20 processes.
  const synthetic = syntheticJitterKv({ ops: 100_000, keys: 10, processes: 20, seed: 7 });
  const runs = Number(process.env.SYNTHETIC_RUNS ?? 3);
  const samples: number[] = [];
  let valid: unknown;
  let heapPeak = 0;
  for (let i = 0; i < runs; i++) {
    gc?.();
    const t0 = performance.now();
    const r = checkHistory(synthetic, { model: 'jitter-kv' });
    samples.push(performance.now() - t0);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    valid = r.valid;
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `total=synthetic-jitter-kv ops=100000 keys=10 processes=20 events=${synthetic.length} valid=${valid} median_ms=${f3(median(samples))} min_ms=${f3(Math.min(...samples))} ops_per_s=${Math.round(100_000 / (median(samples) / 1000))} heap_after_mb=${(heapPeak / 2 ** 20).toFixed(1)} peak_rss_mb=${peakRssMb.toFixed(1)}\n`,
  );
}

main();

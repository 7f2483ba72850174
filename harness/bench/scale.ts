/**
 * bench:scale — what a run costs the harness as it gets longer: real `jitter test` runs of chosen lengths and
 * synthetic histories of chosen sizes. For each: operations, bytes stored per operation (the run folder
 * without its report), jitter's peak RSS during the run and during `analyze` (each its own process, read from
 * /proc VmHWM), check time, and report build time and size.
 *
 *   node dist/harness/bench/scale.js [--runs 60,300,1800] [--synthetic 100000,1000000] [--store DIR]
 *                                    [--max-steps N]
 *
 * Defaults: --runs 60 (the 5 and 30 minute runs are asked for by name: the machine may be shared) and
 * --synthetic 100000,1000000. "--runs none" or "--synthetic none" skips a kind. --max-steps is passed to
 * `analyze` (the search's step budget per key; default analyze's own).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILES, type RunResults } from '../../core/store.js';
import { writeReport } from '../../reports/index.js';
import { synthRun } from '../../reports/synth.js';
import { dirBytes } from '../progress.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : def;
}

const list = (s: string) =>
  s === 'none'
    ? []
    : s
        .split(',')
        .map(Number)
        .filter((n) => n > 0);

interface Row {
  what: string;
  ops: number;
  bytesPerOp: number;
  runRssMb: number | null;
  analyzeRssMb: number;
  /** The checkers' time (results.json's checkMs), and the whole `analyze` process's (reading, validating). */
  checkS: number;
  analyzeS: number;
  reportS: number;
  reportMb: number;
}

/** Runs node with args; returns stdout and the peak RSS (MB) its process reached. */
function nodeChild(args: string[]): Promise<{ stdout: string; peakMb: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let peakKb = 0;
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    // VmHWM is the peak so far: polling it misses at most the last interval's growth.
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited
      }
    }, 100);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ stdout, peakMb: peakKb / 1024, code });
    });
  });
}

function storedBytes(dir: string): number {
  const report = path.join(dir, FILES.report);
  return dirBytes(dir) - (fs.existsSync(report) ? fs.statSync(report).size : 0);
}

async function measure(what: string, dir: string, runRssMb: number | null): Promise<Row> {
  const steps = arg('--max-steps', '');
  const t0 = performance.now();
  const analyzed = await nodeChild([CLI, 'analyze', dir, '--json', ...(steps ? ['--max-steps', steps] : [])]);
  const analyzeS = (performance.now() - t0) / 1000;
  const results = JSON.parse(fs.readFileSync(path.join(dir, FILES.results), 'utf8')) as RunResults;
  const t = performance.now();
  const report = await writeReport(dir);
  const reportS = (performance.now() - t) / 1000;
  const ops = results.ops.total;
  return {
    what,
    ops,
    bytesPerOp: storedBytes(dir) / Math.max(1, ops),
    runRssMb,
    analyzeRssMb: analyzed.peakMb,
    checkS: (results.checkMs ?? 0) / 1000,
    analyzeS,
    reportS,
    reportMb: fs.statSync(report).size / 1e6,
  };
}

const store = arg('--store', '') || fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-bench-scale-'));
const rows: Row[] = [];
for (const seconds of list(arg('--runs', '60'))) {
  console.error(`real run: ${seconds} s`);
  const r = await nodeChild([CLI, 'test', '--time-limit', String(seconds), '--store', store, '--json']);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { dir: string };
  const row = await measure(`run ${seconds} s`, out.dir, r.peakMb);
  rows.push(row);
  console.log(JSON.stringify({ kind: 'run', seconds, ...row }));
}
for (const ops of list(arg('--synthetic', '100000,1000000'))) {
  console.error(`synthetic: ${ops} operations`);
  // No indeterminate operations: 2% random ones over 100 values make the search exhaust its step budget
  // even at 20,000 operations (a property of where they fall, not of the run's length); real runs carry
  // theirs where the faults were, and the real-run rows measure them.
  const dir = synthRun(store, { ops, processes: 50, check: false, infoRate: 0, name: `synthetic-${ops}` });
  const row = await measure(`synthetic ${ops}`, dir, null);
  rows.push(row);
  console.log(JSON.stringify({ kind: 'synthetic', ...row }));
}

const head = [
  'what',
  'ops',
  'bytes/op',
  'run peak RSS',
  'analyze peak RSS',
  'check',
  'analyze wall',
  'report build',
  'report',
];
const cells = rows.map((r) => [
  r.what,
  String(r.ops),
  r.bytesPerOp.toFixed(0),
  r.runRssMb === null ? '–' : `${r.runRssMb.toFixed(0)} MB`,
  `${r.analyzeRssMb.toFixed(0)} MB`,
  `${r.checkS.toFixed(1)} s`,
  `${r.analyzeS.toFixed(1)} s`,
  `${r.reportS.toFixed(1)} s`,
  `${r.reportMb.toFixed(1)} MB`,
]);
const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(head));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const c of cells) console.log(line(c));
if (!arg('--store', '')) fs.rmSync(store, { recursive: true, force: true });

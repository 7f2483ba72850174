/**
 * bench:soak — a long fixed-mode `jitter test` under faults (3 replicas, then 5), with a table per window:
 * ok ops/s, view changes, the longest stall, p99 latency, WAL bytes and replica RSS (summed over replicas,
 * sampled while the run goes), then the verdict. Built on the CLI as a user runs it. Every window meets the
 * same faults (`--nemesis-period` = the window), so the last window is compared with the first on what the
 * run's length did to the system, not on which faults the seed happened to pick for each.
 *
 *   npm run bench:soak -- --window 300 --total 1800 [--replicas 3,5] [--nemesis ...] [--seed n]
 *   npm run bench:soak -- --steady-latency 100,55 --total 120 --window 60   (nothing but latency+jitter)
 *     then the same run without faults, and the ratio of their ok ops/s (issue 12's goal: at least 30%)
 *   npm run bench:soak -- --nemesis none ...                              (the fault-free figure)
 *   --lead MS caps just-in-time stamping (clients stamp ahead by up to MS; default the protocol's, 0 turns it off)
 *   --snapshot-every N checkpoints every N entries (default: the replicas' own, 10,000); a huge N turns it off
 *   --concurrency N client processes (default: jitter test's, 2 per replica)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { DEFAULT_TIMING } from '../config.js';
import { formatRows, type HistoryOp, mainPhase, type Sample, windows } from './soak-windows.js';

interface Flags {
  window: number;
  total: number;
  replicas: number[];
  nemesis: string;
  seed: number;
  workload: string;
  /** `latency,jitter` in ms on every link for the whole run, instead of the random fault schedule. */
  steadyLatency: [number, number] | null;
  /** Just-in-time stamping: clients stamp at most this far ahead (ms); 0 leaves it off. */
  lead: number;
  /** Entries between checkpoints; null: the replicas' default. */
  snapshotEvery: number | null;
  /** Client processes; null: jitter test's default. */
  concurrency: number | null;
}

const USAGE =
  'flags: --window s, --total s, --replicas 3,5, --nemesis list, --seed n, --workload name, --steady-latency ms,jitter, --lead ms, --snapshot-every n, --concurrency n';

function parseFlags(argv: string[]): Flags {
  const f: Flags = {
    window: 300,
    total: 1800,
    replicas: [3, 5],
    nemesis: 'partition,latency,kill,pause,clock',
    seed: 1,
    workload: 'register',
    steadyLatency: null,
    lead: DEFAULT_TIMING.maxLeadMs,
    snapshotEvery: null,
    concurrency: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--help' || k === '-h') {
      console.log(`npm run bench:soak -- [flags]\n${USAGE}`);
      process.exit(0);
    }
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--window') f.window = Number(v);
    else if (k === '--total') f.total = Number(v);
    else if (k === '--replicas') f.replicas = v.split(',').map(Number);
    else if (k === '--nemesis') f.nemesis = v;
    else if (k === '--seed') f.seed = Number(v);
    else if (k === '--workload') f.workload = v;
    else if (k === '--lead') f.lead = Number(v);
    else if (k === '--snapshot-every') f.snapshotEvery = Number(v);
    else if (k === '--concurrency') f.concurrency = Number(v);
    else if (k === '--steady-latency') {
      const [l, j] = v.split(',').map(Number);
      f.steadyLatency = [l!, j ?? 0];
    } else throw new Error(`unknown flag ${k} (${USAGE})`);
    i++;
  }
  if (!(f.window > 0 && f.total >= f.window)) throw new Error('--window must be > 0 and --total >= --window');
  if (f.concurrency !== null && !(Number.isInteger(f.concurrency) && f.concurrency > 0))
    throw new Error('--concurrency must be a positive integer');
  return f;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', '..', 'harness', 'cli.js');

function newestRunDir(store: string): string | null {
  if (!fs.existsSync(store)) return null;
  const dirs: string[] = [];
  for (const name of fs.readdirSync(store)) {
    const d = path.join(store, name);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const run of fs.readdirSync(d))
      if (fs.existsSync(path.join(d, run, 'test.json'))) dirs.push(path.join(d, run));
  }
  return dirs.sort().pop() ?? null;
}

function dirBytes(dir: string): number {
  let n = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

/** The latest admin port each replica announced in its log. */
function adminPorts(runDir: string): number[] {
  const out: number[] = [];
  const dir = path.join(runDir, 'replicas');
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir)) {
    const lines = fs.readFileSync(path.join(dir, f), 'utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = /"event":"listening".*"admin":(\d+)/.exec(lines[i]!);
      if (m) {
        out.push(Number(m[1]));
        break;
      }
    }
  }
  return out;
}

function rssOfPid(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // gone
  }
}

async function rssOf(adminPort: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/status`, { signal: AbortSignal.timeout(1000) });
    return rssOfPid(((await res.json()) as { pid: number }).pid);
  } catch {
    return 0; // killed or paused right now
  }
}

async function soak(n: number, f: Flags): Promise<ReturnType<typeof mainPhase>> {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), `jitter-soak-${n}-`));
  const args = [cli, 'test', '--json', '--mode', 'fixed', '--replicas', String(n), '--workload', f.workload];
  args.push('--time-limit', String(f.total), '--seed', String(f.seed), '--store', store);
  if (f.concurrency !== null) args.push('--concurrency', String(f.concurrency));
  if (f.steadyLatency) {
    // One latency toxic on every link (replica pairs both ways and the client proxies) for the whole run.
    const ids = Array.from({ length: n }, (_, i) => `r${i + 1}`);
    const proxies = [
      ...ids.flatMap((a) => ids.filter((b) => b !== a).map((b) => `${a}->${b}`)),
      ...ids.map((r) => `client->${r}`),
    ];
    const [latency, jitter] = f.steadyLatency;
    const schedule = [
      {
        atMs: 0,
        fault: 'latency',
        action: 'start',
        params: { scope: 'all', proxies, attributes: { latency, jitter } },
      },
      { atMs: f.total * 1000, fault: 'latency', action: 'stop' },
    ];
    const file = path.join(store, 'schedule.json');
    fs.writeFileSync(file, JSON.stringify(schedule));
    args.push('--nemesis', 'none', '--schedule', file);
  } else
    args.push('--nemesis', f.nemesis, ...(f.total > f.window ? ['--nemesis-period', String(f.window)] : []));
  const what = f.steadyLatency ? `latency ${f.steadyLatency.join('±')} ms on every link` : f.nemesis;
  console.log(
    `\n== ${n} replicas, ${what}, ${f.total} s in ${f.window} s windows, seed ${f.seed}: jitter ${args.slice(1).join(' ')}`,
  );
  const config = path.join(store, `config-${n}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      jitLeadMs: f.lead,
      ...(f.snapshotEvery !== null ? { snapshotEvery: f.snapshotEvery } : {}),
    }),
  );
  args.push('--config', config);
  const child = execa(process.execPath, args, { reject: false, stderr: 'inherit' });
  const samples: Sample[] = [];
  // jitter's own cost (issue 13): its peak RSS over the run, sampled with the replicas'.
  let jitterPeakRss = 0;
  let startMs = 0;
  let runDir: string | null = null;
  const sampler = setInterval(() => {
    void (async () => {
      jitterPeakRss = Math.max(jitterPeakRss, rssOfPid(child.pid));
      runDir ??= newestRunDir(store);
      if (!runDir) return;
      if (!startMs) startMs = JSON.parse(fs.readFileSync(path.join(runDir, 'test.json'), 'utf8')).startMs;
      const rss = (await Promise.all(adminPorts(runDir).map(rssOf))).reduce((a, b) => a + b, 0);
      samples.push({
        atMs: Date.now() - startMs,
        walBytes: dirBytes(path.join(runDir, 'nodes')),
        rssBytes: rss,
      });
    })();
  }, 5000);
  const result = await child;
  clearInterval(sampler);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  // No verdict line: jitter refused the run and said why on stderr (exit 2 alone may be an unknown verdict).
  if (!last.startsWith('{')) process.exit(result.exitCode || 2);
  const verdict = JSON.parse(last) as {
    valid?: unknown;
    dir?: string;
  };
  const dir = verdict.dir ?? runDir;
  if (!dir) throw new Error(`no run directory; jitter said: ${result.stdout}`);
  startMs ||= JSON.parse(fs.readFileSync(path.join(dir, 'test.json'), 'utf8')).startMs;
  const ops = fs
    .readFileSync(path.join(dir, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HistoryOp);
  const views: number[] = [];
  for (const file of fs.readdirSync(path.join(dir, 'replicas'))) {
    for (const line of fs.readFileSync(path.join(dir, 'replicas', file), 'utf8').split('\n')) {
      if (line.includes('"event":"start-view"')) views.push(JSON.parse(line).t - startMs);
    }
  }
  const rows = windows(ops, views, samples, f.window, f.total);
  console.log(formatRows(rows));
  // Which faults started in each window, so that a stall can be told apart from one a fault explains.
  const schedule = (JSON.parse(fs.readFileSync(path.join(dir, 'test.json'), 'utf8')).schedule ?? []) as {
    atMs: number;
    fault: string;
    action: string;
  }[];
  for (let from = 0; from < f.total; from += f.window) {
    const started = schedule
      .filter((a) => a.action === 'start' && a.atMs >= from * 1000 && a.atMs < (from + f.window) * 1000)
      .map((a) => a.fault);
    console.log(
      `faults started in ${from}-${Math.min(f.total, from + f.window)}s: ${started.join(' ') || 'none'}`,
    );
  }
  const main = mainPhase(ops, f.total);
  console.log(
    `main phase: ${main.okPerS.toFixed(1)} ok ops/s over ${main.seconds.toFixed(0)} s, longest stall ${main.longestStallS.toFixed(1)} s`,
  );
  const stored = dirBytes(dir) - dirBytes(path.join(dir, 'nodes'));
  console.log(
    `jitter itself: peak RSS ${(jitterPeakRss / 2 ** 20).toFixed(0)} MB; run stored ${(stored / 2 ** 20).toFixed(1)} MB ` +
      `besides the replicas' WALs, ${(stored / Math.max(1, ops.length / 2)).toFixed(0)} B per operation`,
  );
  // Issue 12's goals, read off the same figures. A stall outside partitions, kills and pauses is the
  // availability checker's rule, so its verdict (in the line below) is that goal.
  const faultStarts = schedule.filter((a) => a.action === 'start').length;
  const first = rows[0]?.okPerS ?? 0;
  const lastRow = rows[rows.length - 1]?.okPerS ?? 0;
  console.log(
    `goals: last window ${first > 0 ? ((100 * lastRow) / first).toFixed(0) : '-'}% of the first's ok ops/s (>= 80%); ` +
      `${(views.length / Math.max(1, faultStarts)).toFixed(2)} view changes per fault event (<= 3)`,
  );
  console.log(`verdict: ${JSON.stringify(verdict.valid)} (${JSON.stringify(verdict)})`);
  return main;
}

const flags = parseFlags(process.argv.slice(2));
for (const n of flags.replicas) {
  const run = await soak(n, flags);
  if (!flags.steadyLatency) continue;
  // The fault-free figure of the same length and concurrency, measured in the same bench run.
  const calm = await soak(n, { ...flags, steadyLatency: null, nemesis: 'none' });
  const ratio = calm.okPerS > 0 ? run.okPerS / calm.okPerS : 0;
  console.log(
    `\n${n} replicas, ${flags.concurrency ?? 2 * n} clients: under latency ${flags.steadyLatency.join('±')} ms ` +
      `${run.okPerS.toFixed(1)} ok ops/s, fault-free ${calm.okPerS.toFixed(1)}: ratio ${(100 * ratio).toFixed(1)}% ` +
      `(goal >= 30%); longest stall under latency ${run.longestStallS.toFixed(1)} s (goal < 5 s); load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
}

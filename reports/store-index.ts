/** `store/index.html`: one row per run folder of the store, and one per sweep record. */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import {
  FILES,
  listRuns,
  type RunRecord,
  type RunResults,
  readJsonFile,
  relativePath,
  writeFileAtomic,
} from '../core/store.js';
import {
  listSweeps,
  readVerdicts,
  SWEEP_FILES,
  type SweepPlan,
  type SweepSummary,
  sweepHolder,
  tally,
} from '../core/sweeps.js';
import { pageAssets } from './bundle.js';
import { renderPage } from './html.js';
import type { StoreData, StoreRow, SweepRow, VerdictValue } from './types.js';

const INVOKE = /"type"\s*:\s*"invoke"/;

/** Operations and fault starts of a history, parsing only the nemesis lines (a history can be large). */
async function scanHistory(file: string): Promise<{ ops: number; faults: Map<string, number> }> {
  const out = { ops: 0, faults: new Map<string, number>() };
  if (!fs.existsSync(file)) return out;
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.includes('"nemesis"')) {
      try {
        const op = JSON.parse(line) as { process?: unknown; f?: unknown; value?: { fault?: unknown } };
        if (op.process === 'nemesis' && op.f === 'start') {
          const kind = typeof op.value?.fault === 'string' ? op.value.fault : 'unknown';
          out.faults.set(kind, (out.faults.get(kind) ?? 0) + 1);
        }
      } catch {
        // A torn last line of an interrupted run: nothing to count.
      }
    } else if (INVOKE.test(line)) out.ops++;
  }
  return out;
}

const str = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);

export async function storeRow(store: string, dir: string): Promise<StoreRow> {
  const record = readJsonFile<RunRecord>(path.join(dir, FILES.test));
  const results = readJsonFile<RunResults>(path.join(dir, FILES.results));
  const scan = await scanHistory(path.join(dir, FILES.history));
  const rel = relativePath(store, dir);
  const cfg = record?.config ?? {};
  return {
    name: record?.name ?? path.basename(path.dirname(dir)),
    start: record?.start ?? path.basename(dir),
    startMs: record?.startMs ?? fs.statSync(dir).mtimeMs,
    verdict: results ? (results.valid as VerdictValue) : null,
    ops: results?.ops?.total ?? scan.ops,
    faults: [...scan.faults.values()].reduce((a, b) => a + b, 0),
    faultKinds: [...scan.faults.keys()].sort(),
    durationMs: record?.durationMs ?? null,
    // JIT Paxos's mode: its options block, or the top-level field of runs stored before it had one.
    mode: str((cfg.jitpaxos as { mode?: unknown } | undefined)?.mode ?? cfg.mode),
    workload: str(cfg.workload),
    nemesis: str(cfg.nemesis),
    dir: rel,
    report: fs.existsSync(path.join(dir, FILES.report)) ? `${rel}/${FILES.report}` : null,
  };
}

/** What a sweep's seeds ran, in a few words. */
function sweepOptions(o: Record<string, unknown>): string {
  const flaws = Array.isArray(o.flaws) && o.flaws.length > 0 ? ` +${o.flaws.join('+')}` : '';
  const nemesis = Array.isArray(o.nemesis) ? o.nemesis.join(', ') : '';
  return [
    `${str(o.mode)}${flaws}`,
    `${str(o.replicas)} replicas`,
    `${str(o.timeLimit)} s`,
    str(o.workload),
    o.swarm ? 'swarm' : '',
    nemesis ? `faults: ${nemesis}` : 'no faults',
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * A sweep's row, from its verdicts rather than its summary: the summary is written when a session ends, and
 * a running sweep's failures are worth seeing before that.
 */
export function sweepRow(store: string, dir: string): SweepRow | null {
  const plan = readJsonFile<SweepPlan>(path.join(dir, SWEEP_FILES.plan));
  if (!plan) return null;
  const summary = readJsonFile<Partial<SweepSummary>>(path.join(dir, SWEEP_FILES.summary));
  const t = tally(readVerdicts(dir).values());
  const complete = t.judged >= plan.total;
  const running = !complete && sweepHolder(dir) !== null;
  return {
    dir: relativePath(store, dir),
    started: plan.started,
    seeds: plan.seeds,
    total: plan.total,
    judged: t.judged,
    valid: t.valid,
    invalid: t.invalid,
    unknown: t.unknown,
    state: complete ? 'complete' : running ? 'running' : 'stopped',
    // A summary that counts fewer seeds is from an earlier session: this one was killed, for no known reason.
    stopped: complete || running || summary?.judged !== t.judged ? null : (summary.stopped ?? null),
    wallMs: summary?.wallMs ?? null,
    options: sweepOptions(plan.options ?? {}),
    failures: t.failures.map((v) => {
      const run = v.stored && fs.existsSync(path.join(store, v.stored)) ? v.stored : null;
      const report =
        run && fs.existsSync(path.join(store, run, FILES.report)) ? `${run}/${FILES.report}` : null;
      return { seed: v.seed, valid: v.valid, failed: v.failed, run, report };
    }),
  };
}

export async function storeData(store: string): Promise<StoreData> {
  const runs: StoreRow[] = [];
  for (const dir of listRuns(store)) runs.push(await storeRow(store, dir));
  const sweeps = listSweeps(store).flatMap((d) => sweepRow(store, d) ?? []);
  return { format: 1, generatedAt: new Date().toISOString(), store: path.resolve(store), runs, sweeps };
}

/** Rewrites store/index.html from every run folder; returns its path. */
export async function writeStoreIndex(storeDir: string): Promise<string> {
  fs.mkdirSync(storeDir, { recursive: true });
  const data = await storeData(storeDir);
  const file = path.join(storeDir, 'index.html');
  writeFileAtomic(
    file,
    renderPage({ title: 'jitter store', dataId: 'store-data', data, assets: await pageAssets('store') }),
  );
  return file;
}

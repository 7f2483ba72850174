/** `store/index.html`: one row per run folder of the store. */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { FILES, listRuns, type RunRecord, type RunResults } from '../core/store.js';
import { pageAssets } from './bundle.js';
import { renderPage } from './html.js';
import { readJsonFile } from './jsonl.js';
import type { StoreData, StoreRow, VerdictValue } from './types.js';
import { writeAtomic } from './write.js';

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
  const rel = path.relative(store, dir).split(path.sep).join('/');
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

export async function storeData(store: string): Promise<StoreData> {
  const runs: StoreRow[] = [];
  for (const dir of listRuns(store)) runs.push(await storeRow(store, dir));
  return { format: 1, generatedAt: new Date().toISOString(), store: path.resolve(store), runs };
}

/** Rewrites store/index.html from every run folder; returns its path. */
export async function writeStoreIndex(storeDir: string): Promise<string> {
  fs.mkdirSync(storeDir, { recursive: true });
  const data = await storeData(storeDir);
  const file = path.join(storeDir, 'index.html');
  writeAtomic(
    file,
    renderPage({ title: 'jitter store', dataId: 'store-data', data, assets: await pageAssets('store') }),
  );
  return file;
}

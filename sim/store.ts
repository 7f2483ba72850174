/**
 * A simulated run in the store, in the layout of harness/store.ts (store/sim-<...>/<stamp>/), so that
 * `jitter analyze`, the report and the store browser read it like a real run. Everything in the folder
 * but wall.json (and the report) depends only on the options: replaying a seed rewrites it byte for byte.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DumpEncoder, type DumpRecord, recordLine } from '../checkers/dump-stream.js';
import type { LogEntry, ReplicaLogDump } from '../checkers/types.js';
import { RunDir, type RunRecord } from '../core/store.js';
import { JITTER_VERSION } from '../core/version.js';
import { historyToEdn } from '../harness/recorder.js';
import { makeWorkload } from '../workloads/index.js';
import { simRunName } from './options.js';
import type { SimRun } from './run.js';
import { SIM_EPOCH_MS } from './world.js';

/** The extra file of a simulated run: how to replay it and what the world did. */
export const SIM_FILE = 'sim.json';
export const WALL_FILE = 'wall.json';

export function writeSimRun(store: string, run: SimRun, extra: Partial<RunRecord> = {}): string {
  const o = run.options;
  const rd = RunDir.create(store, simRunName(o), new Date());
  const workload = makeWorkload(o.workload, { keys: o.keys });
  const start = new Date(SIM_EPOCH_MS);
  const record: RunRecord = {
    name: simRunName(o),
    start: start.toISOString(),
    startMs: SIM_EPOCH_MS,
    config: {
      ...o,
      name: simRunName(o),
      simulated: true,
      system: { system: 'jitpaxos', mode: o.mode, flaws: o.flaws, replicas: o.replicas, simulated: true },
      workloadInfo: { description: workload.description, model: workload.model },
    },
    seed: o.seed,
    versions: { jitter: JITTER_VERSION, node: process.version, platform: `${os.platform()} simulated` },
    toxiproxy: { kind: 'simulated', version: '', url: '' },
    cluster: { replicas: [...run.replicaLogs.keys()], proxies: [] },
    schedule: run.schedule,
    end: new Date(SIM_EPOCH_MS + Math.round(run.simulatedUs / 1000)).toISOString(),
    durationMs: Math.round(run.simulatedUs / 1000),
    ...(run.interrupted ? { interrupted: run.interrupted } : {}),
    ...extra,
  };
  rd.writeJson('test', record);
  fs.writeFileSync(rd.file('history'), run.history.map((op) => `${JSON.stringify(op)}\n`).join(''));
  fs.writeFileSync(rd.file('historyEdn'), historyToEdn(run.history));
  fs.writeFileSync(
    rd.file('dumps'),
    dumpRecords(run.dumps)
      .map((x) => `${recordLine(x)}\n`)
      .join(''),
  );
  for (const [id, lines] of run.replicaLogs) {
    fs.writeFileSync(rd.replicaLog(id), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }
  rd.writeJson('results', run.results);
  fs.writeFileSync(
    path.join(rd.dir, SIM_FILE),
    `${JSON.stringify({ options: o, simulatedUs: run.simulatedUs, stats: run.stats }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(rd.dir, WALL_FILE), `${JSON.stringify(run.wall)}\n`);
  rd.linkLatest(store, simRunName(o));
  return rd.dir;
}

/** The options a stored simulated run was made with. */
export function readSimOptions(runDir: string): import('./options.js').SimOptions {
  const file = path.join(runDir, SIM_FILE);
  if (!fs.existsSync(file)) throw new Error(`${runDir} is not a simulated run (no ${SIM_FILE})`);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { options: import('./options.js').SimOptions })
    .options;
}

/**
 * The dumps as a real run writes dumps.jsonl: a delta while a replica's log only grew, else whole. Growth
 * is told by identity (the core never changes an entry it logged), so only new entries are hashed.
 */
function dumpRecords(dumps: readonly ReplicaLogDump[]): DumpRecord[] {
  const encoder = new DumpEncoder();
  const previous = new Map<string, readonly LogEntry[]>();
  const out: DumpRecord[] = [];
  for (const d of dumps) {
    const prev = previous.get(d.replica);
    previous.set(d.replica, d.log);
    // A compacted log's entries start past its snapshot: always whole (the reader rebuilds the prefix).
    if (!prev || d.compacted || !extendsLog(prev, d.log)) {
      out.push(encoder.encode(d)!);
      continue;
    }
    const { log, ...meta } = d;
    const rec = encoder.encode({ ...meta, from: prev.length, append: log.slice(prev.length) })!;
    // A final dump is written whole, with the checksum the delta computed.
    out.push(d.final ? { ...d, length: rec.length, checksum: rec.checksum } : rec);
  }
  return out;
}

function extendsLog(prev: readonly LogEntry[], log: readonly LogEntry[]): boolean {
  if (log.length < prev.length) return false;
  for (let i = 0; i < prev.length; i++) if (prev[i] !== log[i]) return false;
  return true;
}

/** Reads a run folder (core/store.ts layout) into the data the report page renders. */
import fs from 'node:fs';
import path from 'node:path';
import { DumpDecoder, type DumpRecord } from '../checkers/dump-stream.js';
import { commitConsistencyChecker, linearizabilityChecker, resultOf } from '../checkers/index.js';
import type { Op } from '../core/history.js';
import { FILES, type RunRecord, type RunResults, readJsonFile } from '../core/store.js';
import { checkerViews } from './checker-view.js';
import { commitView, DumpCollector } from './commit.js';
import { counterexampleView } from './counterexample.js';
import { FaultCollector } from './faults.js';
import { forEachJsonLine } from './jsonl.js';
import { quantiles, throughput } from './latency.js';
import { nsToMs, OpCollector, showValue } from './ops.js';
import { pageColumns } from './pack.js';
import { readReplicaEvents } from './replica-events.js';
import type { ReportData } from './types.js';

const EXPECTED = [FILES.test, FILES.history, FILES.results, FILES.dumps, FILES.replicasDir] as const;

function isOp(v: unknown): v is Op {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.type === 'string' && typeof o.time === 'number' && typeof o.f === 'string' && 'process' in o
  );
}

/** Files of the run, relative to it, for the raw-file links (the report itself left out). */
function listFiles(dir: string): ReportData['files'] {
  const out: ReportData['files'] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(p);
      else if (d.isFile() && p !== FILES.report && !p.endsWith('.tmp')) {
        out.push({ path: p, bytes: fs.statSync(path.join(dir, p)).size });
      }
    }
  };
  walk('');
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  return showValue(v) ?? '';
}

function configRows(record: RunRecord | null): Array<[string, string]> {
  if (!record) return [];
  const c = record.config ?? {};
  const rows: Array<[string, string]> = [];
  const first = ['mode', 'flaws', 'replicas', 'workload', 'nemesis', 'seed'];
  for (const k of first) if (k in c) rows.push([k, show(c[k])]);
  if (!('seed' in c) && record.seed !== undefined) rows.push(['seed', show(record.seed)]);
  for (const [k, v] of Object.entries(c)) if (!first.includes(k)) rows.push([k, show(v)]);
  if (record.versions) {
    for (const [k, v] of Object.entries(record.versions)) rows.push([`version: ${k}`, show(v)]);
  }
  if (record.toxiproxy) {
    const t = record.toxiproxy;
    rows.push(['toxiproxy', `${t.kind} ${t.version} at ${t.url}${t.command ? ` (${t.command})` : ''}`]);
  }
  if (record.cluster) {
    rows.push(['cluster replicas', show(record.cluster.replicas)]);
    rows.push(['proxies', String(record.cluster.proxies?.length ?? 0)]);
  }
  if (record.reproduces) rows.push(['reproduces', record.reproduces]);
  return rows;
}

/** The run's worker slots, from its config (older records: clients, as synthetic runs name it). */
function concurrencyOf(record: RunRecord | null): number | null {
  const c = record?.config?.concurrency ?? record?.config?.clients;
  return typeof c === 'number' && Number.isInteger(c) && c > 0 ? c : null;
}

export async function buildReportData(dir: string): Promise<ReportData> {
  const record = readJsonFile<RunRecord>(path.join(dir, FILES.test));
  const results = readJsonFile<RunResults>(path.join(dir, FILES.results));
  const missing = EXPECTED.filter((f) => !fs.existsSync(path.join(dir, f))).map(String);
  if (fs.existsSync(path.join(dir, FILES.test)) && !record) missing.push(`${FILES.test} (unreadable)`);
  if (fs.existsSync(path.join(dir, FILES.results)) && !results) missing.push(`${FILES.results} (unreadable)`);

  const ops = new OpCollector();
  const faults = new FaultCollector();
  const lin = resultOf(linearizabilityChecker, results?.checkers);
  const cc = resultOf(commitConsistencyChecker, results?.checkers);
  // Event times by history index: the counterexample names operations by their events' indices (kept only
  // when there is one: a long run has millions of events).
  const timeByIndex: number[] = [];
  const wantTimes = lin?.valid === false;
  let events = 0;
  let lastMs = 0;
  let malformed = 0;
  const historyFile = path.join(dir, FILES.history);
  if (fs.existsSync(historyFile)) {
    const stats = await forEachJsonLine(historyFile, (v) => {
      if (!isOp(v)) {
        malformed++;
        return;
      }
      const ms = nsToMs(v.time);
      if (wantTimes) timeByIndex[typeof v.index === 'number' ? v.index : events] = ms;
      events++;
      if (ms > lastMs) lastMs = ms;
      if (v.process === 'nemesis') faults.add(v);
      else ops.add(v);
    });
    malformed += stats.malformed;
  }
  const endMs = Math.max(lastMs, record?.durationMs ?? 0);

  const dumps = DumpCollector.citing(Array.isArray(cc?.violations) ? cc.violations : []);
  const dumpsFile = path.join(dir, FILES.dumps);
  // Dumps can be the largest file of a run; only a run with violations needs them read.
  if (cc && cc.valid !== true && fs.existsSync(dumpsFile)) {
    const decoder = new DumpDecoder();
    await forEachJsonLine(dumpsFile, (r) => {
      const d = decoder.push(r as DumpRecord);
      if (d) dumps.add(d.dump);
    });
  }

  const replicaEvents = await readReplicaEvents(path.join(dir, FILES.replicasDir), record?.startMs ?? 0);
  const name = record?.name ?? path.basename(path.dirname(path.resolve(dir)));
  const faultList = faults.faults(endMs);
  return {
    format: 1,
    title: `${name} ${record?.start ?? path.basename(dir)}`,
    generatedAt: new Date().toISOString(),
    verdict: results ? results.valid : null,
    checkers: checkerViews(results),
    config: configRows(record),
    run: record
      ? {
          name: record.name,
          start: record.start,
          durationMs: record.durationMs ?? null,
          interrupted: record.interrupted ?? null,
        }
      : null,
    files: listFiles(dir),
    missing,
    history: { events, malformed, ops: ops.count, nemesis: faults.actions },
    endMs,
    processes: ops.processes.list,
    concurrency: concurrencyOf(record),
    fs: ops.fs.list,
    keys: ops.keys.list,
    values: ops.values.list,
    ...(await pageColumns(ops.cols, ops.count, () => ops.arrays())),
    faults: faultList,
    faultKinds: [...new Set(faultList.map((f) => f.kind))].sort(),
    clock: faults.clock(endMs),
    throughput: throughput(ops, endMs),
    quantiles: quantiles(ops),
    counterexample: counterexampleView(lin, (i) => timeByIndex[i] ?? null, ops, endMs),
    commit: commitView(cc, dumps),
    replicaEvents,
  };
}

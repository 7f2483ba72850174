/**
 * Synthetic run folders in the store's layout, for tests and the benchmark: a linearizable key-value history
 * by construction (each operation takes effect at a random point inside its interval), nemesis faults,
 * replica logs, log dumps, and results from the real checkers. Options break it on purpose.
 */
import fs from 'node:fs';
import path from 'node:path';
import { combineVerdicts, type LogEntry, type ReplicaLogDump, runCheckers } from '../checkers/index.js';
import type { Op } from '../core/history.js';
import { FILES, type RunRecord, type RunResults } from '../core/store.js';

export interface SynthOptions {
  ops: number;
  processes?: number;
  keys?: number;
  seed?: number;
  /** One read returns a value never written: the history is not linearizable. */
  invalid?: boolean;
  /** Replace one replica's final entry at a committed index: commit consistency fails. */
  commitViolation?: boolean;
  /** A value written (and read back) somewhere in the history, e.g. markup. */
  evilValue?: string;
  /** Nemesis faults (partition, kill, clock skew, latency) through the run. */
  faults?: boolean;
  /**
   * Share of writes and cas operations that end indeterminate (default 0.02). Each one retires its process,
   * as in a real run: the worker slot goes on as process + concurrency.
   */
  infoRate?: number;
  /** Run the checkers and write results.json (default true). */
  check?: boolean;
  name?: string;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  process: number;
  f: 'read' | 'write' | 'cas';
  key: string;
  arg: unknown;
  invokeNs: number;
  doneNs: number;
  outcome: 'ok' | 'fail' | 'info';
  pointNs: number;
  result?: unknown;
  commitIndex?: number;
  req: number;
}

const MS = 1_000_000;

/** Writes a run folder under `store/<name>/<stamp>` and returns its path. */
export function synthRun(store: string, opts: SynthOptions): string {
  const rand = rng(opts.seed ?? 1);
  const P = opts.processes ?? 10;
  const K = opts.keys ?? 5;
  const name = opts.name ?? 'synthetic';
  const startMs = Date.UTC(2026, 10, 24, 3, 30, 0);
  const stamp = new Date(startMs).toISOString().replace(/[-:]/g, '');
  const dir = path.join(store, name, stamp);
  fs.mkdirSync(path.join(dir, FILES.replicasDir), { recursive: true });

  // Plan the operations: each process issues one at a time.
  const perProcess = Math.ceil(opts.ops / P);
  const planned: Planned[] = [];
  const infoRate = opts.infoRate ?? 0.02;
  for (let p = 0; p < P; p++) {
    let t = Math.floor(rand() * 2 * MS);
    let proc = p;
    for (let i = 0; i < perProcess && planned.length < opts.ops; i++) {
      const r = rand();
      const f = r < 0.5 ? 'read' : r < 0.85 ? 'write' : 'cas';
      const lat = Math.floor((0.2 + -Math.log(1 - rand()) * 1.5) * MS * (rand() < 0.01 ? 20 : 1));
      const o = rand();
      const outcome = f === 'read' ? (o < 0.03 ? 'fail' : 'ok') : o < infoRate ? 'info' : 'ok';
      planned.push({
        process: proc,
        f,
        key: `k${Math.floor(rand() * K)}`,
        arg: f === 'write' ? String(Math.floor(rand() * 100)) : null,
        invokeNs: t,
        doneNs: t + lat,
        outcome,
        pointNs: t + Math.floor(rand() * lat),
        req: i + 1,
      });
      // At least 1 ns after the completion: at equal times invocations sort first, and would overlap it.
      t += lat + 1 + Math.floor(rand() * 0.5 * MS);
      if (outcome === 'info') proc += P;
    }
  }
  if (opts.evilValue !== undefined) {
    const w = planned.find((o) => o.f === 'write' && o.outcome === 'ok');
    if (w) w.arg = opts.evilValue;
  }
  // Apply them at their linearization points, per key; info operations do not take effect.
  const state = new Map<string, string | null>();
  let logIndex = 0;
  let lastTs = 0;
  const entries: LogEntry[] = [];
  for (const op of [...planned].sort((a, b) => a.pointNs - b.pointNs)) {
    const cur = state.get(op.key) ?? null;
    if (op.f === 'read') {
      op.result = cur;
      continue;
    }
    if (op.f === 'cas') {
      const expected = rand() < 0.5 ? cur : String(Math.floor(rand() * 100));
      op.arg = [expected, String(Math.floor(rand() * 100))];
      if (op.outcome === 'info') continue;
      op.outcome = expected === cur ? 'ok' : 'fail';
    }
    if (op.outcome !== 'ok') continue;
    const next = op.f === 'write' ? (op.arg as string) : (op.arg as [unknown, string])[1];
    state.set(op.key, next);
    op.commitIndex = ++logIndex;
    // Strictly increasing, as a replica's log is: two points in one microsecond would otherwise share a
    // timestamp, and their (client, req) tie-break need not follow the order they were applied in.
    lastTs = Math.max(lastTs + 1, startMs * 1000 + Math.floor(op.pointNs / 1000));
    entries.push({
      ts: lastTs,
      client: `c${op.process}`,
      req: op.req,
      op:
        op.f === 'write'
          ? { f: 'write', key: op.key, value: next }
          : { f: 'cas', key: op.key, expected: (op.arg as [string | null, string])[0], value: next },
    });
  }
  if (opts.invalid) {
    const r = planned.filter((o) => o.f === 'read' && o.outcome === 'ok')[Math.floor(planned.length / 40)];
    if (r) r.result = 'never-written';
  }

  // The history: events in time order, invocations before completions at equal times.
  type Ev = { time: number; order: number; op: Omit<Op, 'index'> };
  const evs: Ev[] = [];
  for (const o of planned) {
    evs.push({
      time: o.invokeNs,
      order: 0,
      op: { time: o.invokeNs, type: 'invoke', process: o.process, f: o.f, key: o.key, value: o.arg },
    });
    const done: Omit<Op, 'index'> = {
      time: o.doneNs,
      type: o.outcome,
      process: o.process,
      f: o.f,
      key: o.key,
      value: o.f === 'read' ? (o.outcome === 'ok' ? o.result : null) : o.arg,
    };
    if (o.outcome !== 'ok') done.error = o.outcome === 'info' ? 'timeout' : 'cas mismatch';
    if (o.commitIndex !== undefined) {
      const e = entries[o.commitIndex - 1]!;
      done.commit = {
        view: 1,
        index: o.commitIndex,
        checksum: `c${o.commitIndex}`,
        client: e.client,
        req: e.req,
        ts: e.ts,
      };
    }
    evs.push({ time: o.doneNs, order: 1, op: done });
  }
  // A loop, not Math.max(...): a million arguments overflow the stack.
  const endNs = planned.reduce((m, o) => Math.max(m, o.doneNs), 0);
  if (opts.faults !== false) {
    const nem = (time: number, f: 'start' | 'stop', value: Record<string, unknown>) =>
      evs.push({ time, order: 0, op: { time, type: 'info', process: 'nemesis', f, value } });
    const span = endNs;
    nem(span * 0.1, 'start', { fault: 'partition', groups: [['r1'], ['r2', 'r3']] });
    nem(span * 0.25, 'stop', { fault: 'partition' });
    nem(span * 0.3, 'start', { fault: 'clock', offsets: { r1: 250_000, r2: -100_000 } });
    nem(span * 0.45, 'stop', { fault: 'clock', offsets: {} });
    nem(span * 0.5, 'start', { fault: 'kill', nodes: ['r2'] });
    nem(span * 0.6, 'stop', { fault: 'kill', nodes: ['r2'] });
    nem(span * 0.7, 'start', { fault: 'latency', ms: 50, label: opts.evilValue ?? 'delay' });
    // A pause never stopped: it runs to the end of the run.
    nem(span * 0.9, 'start', { fault: 'pause', nodes: ['r3'] });
  }
  evs.sort((a, b) => a.time - b.time || a.order - b.order);
  const history: Op[] = evs.map((e, index) => ({ index, ...e.op }) as Op);
  fs.writeFileSync(path.join(dir, FILES.history), `${history.map((o) => JSON.stringify(o)).join('\n')}\n`);

  // Replica logs: a start, a view change, and r2 killed and restarted during the kill fault.
  const at = (frac: number) => startMs + Math.floor((endNs * frac) / MS);
  const log = (id: string, lines: Array<Record<string, unknown>>, extra = '') =>
    fs.writeFileSync(
      path.join(dir, FILES.replicasDir, `${id}.log`),
      lines.map((l) => JSON.stringify({ replica: id, ...l })).join('\n') + `\n${extra}`,
    );
  for (const id of ['r1', 'r2', 'r3']) {
    const lines: Array<Record<string, unknown>> = [
      { t: startMs, event: 'start', mode: 'fixed', flaws: [], status: 'Normal', view: 0, logLength: 0 },
      { t: startMs + 1, event: 'listening' },
      { t: at(0.12), event: 'view', detail: '0 -> 1', view: 1, status: 'ViewChange' },
      { t: at(0.13), event: 'status', detail: 'ViewChange -> Normal in view 1', view: 1, status: 'Normal' },
    ];
    if (id === 'r2') {
      lines.push({ t: at(0.5), event: 'stop' });
      lines.push({ t: at(0.6), event: 'start', mode: 'fixed', status: 'Recovering', view: 0, logLength: 0 });
      lines.push({
        t: at(0.62),
        event: 'recovered',
        detail: 'rejoined in view 1',
        view: 1,
        status: 'Normal',
      });
    }
    if (id === 'r1' && opts.evilValue !== undefined) {
      lines.push({ t: at(0.7), event: 'repair', detail: opts.evilValue, view: 1, status: 'Normal' });
    }
    log(id, lines, id === 'r1' ? 'warning: not JSON from stderr\n' : '');
  }

  // Final log dumps: every replica holds every commit, unless told otherwise.
  const dumps: ReplicaLogDump[] = ['r1', 'r2', 'r3'].map((replica) => ({
    replica,
    takenAt: endNs + MS,
    status: 'Normal',
    view: 1,
    logViewID: 1,
    syncIndex: entries.length,
    inQuorum: true,
    log: entries.map((e) => ({ ...e })),
    final: true,
  }));
  if (opts.commitViolation && entries.length > 2) {
    dumps[2]!.log[1] = { ...entries[1]!, client: 'c-intruder', req: 999 };
  }
  fs.writeFileSync(path.join(dir, FILES.dumps), `${dumps.map((d) => JSON.stringify(d)).join('\n')}\n`);

  const durationMs = Math.ceil(endNs / MS) + 5;
  const record: RunRecord = {
    name,
    start: new Date(startMs).toISOString(),
    startMs,
    config: {
      mode: 'fixed',
      flaws: [],
      replicas: 3,
      workload: 'kv',
      nemesis: opts.faults === false ? 'none' : 'partition,kill,clock,latency,pause',
      seed: opts.seed ?? 1,
      clients: P,
      concurrency: P,
      timeLimit: durationMs / 1000,
    },
    seed: opts.seed ?? 1,
    versions: { jitter: '0.1.0', node: process.version, platform: process.platform },
    toxiproxy: { kind: 'embedded', version: '2.12.0', url: 'http://127.0.0.1:8474' },
    cluster: {
      replicas: ['r1', 'r2', 'r3'],
      proxies: [{ name: 'r1->r2', listen: '127.0.0.1:7101', upstream: '127.0.0.1:7002' }],
    },
    end: new Date(startMs + durationMs).toISOString(),
    durationMs,
  };
  fs.writeFileSync(path.join(dir, FILES.test), `${JSON.stringify(record, null, 2)}\n`);

  if (opts.check !== false) {
    const t0 = performance.now();
    const checkers = runCheckers(['linearizability', 'commit-consistency', 'stats', 'availability'], {
      history,
      dumps,
      replicas: ['r1', 'r2', 'r3'],
      model: 'jitter-kv',
      timeoutMs: 60_000,
    });
    // Availability is left out of the verdict: the synthetic schedule makes no promise of liveness.
    const safety = ['linearizability', 'commit-consistency', 'stats'].map((n) => checkers[n]!.valid);
    const results: RunResults = {
      valid: combineVerdicts(safety),
      checkers,
      ops: {
        total: planned.length,
        ok: planned.filter((o) => o.outcome === 'ok').length,
        fail: planned.filter((o) => o.outcome === 'fail').length,
        info: planned.filter((o) => o.outcome === 'info').length,
      },
      checkMs: Math.round(performance.now() - t0),
    };
    fs.writeFileSync(path.join(dir, FILES.results), `${JSON.stringify(results, null, 2)}\n`);
  }
  return dir;
}

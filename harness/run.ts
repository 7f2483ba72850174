/**
 * One chaos test, end to end: Toxiproxy and the cluster up, phases (main: workload + nemesis → heal →
 * quiet → final reads), final state collected, everything torn down, checked and stored.
 * The cluster is torn down whatever happens: success, failure, exception or abort (SIGINT / SIGTERM).
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Toxiproxy } from 'toxiproxy-node-client';
import { DumpEncoder, type LogSuffix, recordLine } from '../checkers/dump-stream.js';
import { readReplicaStateEvents } from '../checkers/replica-state.js';
import type { ReplicaLogDump } from '../checkers/types.js';
import { ClockTable, clientClockName } from '../core/clocks.js';
import type { SystemUnderTest } from '../core/db.js';
import { concat, timeLimit, untilOk } from '../core/generator.js';
import type { Op } from '../core/history.js';
import { Rng } from '../core/rng.js';
import { RunDir, type RunRecord, type RunResults } from '../core/store.js';
import { createTopology } from '../core/topology.js';
import { JITTER_VERSION } from '../core/version.js';
import { makeFaults, NemesisRunner, planSchedule, type ScheduledAction } from '../nemesis/index.js';
import { getSystem, type SystemPlugin, survivesOf, systemNames } from '../systems/index.js';
import { makeWorkload } from '../workloads/index.js';
import { analyze, checkInLessMemory, exitCodeFor, readDumps } from './analyze.js';
import { gzipTree } from './compact.js';
import type { TestConfig } from './config.js';
import { jsonLinesOf } from './jsonl-stream.js';
import { LiveCheck } from './live-check.js';
import { progressLine } from './progress.js';
import { HistoryRecorder, writeEdnFile } from './recorder.js';
import { startToxiproxy, type ToxiproxyHandle } from './toxiproxy-server.js';
import { Workers } from './workers.js';

export { JITTER_VERSION };

export interface RunOptions {
  /** Progress and messages for people (stderr); silent with --json. */
  progress: (line: string, final?: boolean) => void;
  /** Aborts the run early (SIGINT / SIGTERM): the cluster is torn down and what was recorded is kept. */
  signal: AbortSignal;
  /** Called once the run folder exists, so that callers can say where it is even if the run dies. */
  onRunDir?: (dir: string) => void;
  /** The system under test; JIT Paxos by default. */
  system?: (o: { cfg: TestConfig; runStartMs: number; run: RunDir }) => SystemUnderTest;
  /** Writes the report and store index after checking (reports/); none by default. */
  report?: (runDir: string, store: string) => Promise<void>;
  /** Extra fields for test.json (e.g. which run this one reproduces). */
  record?: Partial<RunRecord>;
}

export interface RunOutcome {
  dir: string;
  results: RunResults | null;
  exitCode: number;
  interrupted?: string;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** The plugin named by the config (`--system`, JIT Paxos by default). */
export function systemOf(cfg: TestConfig): SystemPlugin {
  const plugin = getSystem(cfg.system ?? 'jitpaxos');
  if (!plugin) throw new Error(`no system named ${cfg.system}; known: ${systemNames().join(', ')}`);
  return plugin;
}

const defaultSystem = ({ cfg, runStartMs, run }: { cfg: TestConfig; runStartMs: number; run: RunDir }) =>
  systemOf(cfg).make({
    replicas: cfg.replicas,
    config: cfg,
    runStartMs,
    logFile: (id) => run.replicaLog(id),
  });

export async function runTest(cfg: TestConfig, o: RunOptions): Promise<RunOutcome> {
  const start = new Date();
  const run = RunDir.create(cfg.store, cfg.name, start);
  o.onRunDir?.(run.dir);
  const rng = new Rng(cfg.seed);
  const workload = makeWorkload(cfg.workload, { keys: cfg.keys });
  const sut = (o.system ?? defaultSystem)({ cfg, runStartMs: start.getTime(), run });
  const db = sut.db;
  // A scripted schedule may name faults that --nemesis does not: they take part too.
  const scripted = (cfg.schedule as ScheduledAction[] | undefined)?.map((a) => a.fault) ?? [];
  const faults = makeFaults([...new Set([...cfg.nemesis, ...scripted])]);
  const schedule: ScheduledAction[] =
    (cfg.schedule as ScheduledAction[] | undefined) ??
    planSchedule({
      faults: [...faults.values()],
      rng: rng.fork('nemesis'),
      intervalMs: cfg.nemesisInterval * 1000,
      durationMs: cfg.timeLimit * 1000,
      nodes: db.nodes,
      ...(cfg.nemesisPeriod !== undefined ? { periodMs: cfg.nemesisPeriod * 1000 } : {}),
    });
  const record: RunRecord = {
    name: cfg.name,
    start: start.toISOString(),
    startMs: start.getTime(),
    config: {
      ...cfg,
      systemInfo: sut.describe(),
      workloadInfo: { description: workload.description, model: workload.model },
    },
    seed: cfg.seed,
    versions: { jitter: JITTER_VERSION, node: process.version, platform: `${os.platform()} ${os.release()}` },
    toxiproxy: { kind: 'pending', version: '', url: '' },
    cluster: { replicas: [...db.nodes], proxies: [] },
    schedule,
    ...o.record,
  };
  run.writeJson('test', record);

  // The workload names the checkers of client operations; the system those that need its internals.
  const system = systemOf(cfg);
  const checkers = [...workload.checkers, ...system.checkers];
  const recorder = new HistoryRecorder(run.file('history'));
  const live = cfg.checkEvery
    ? new LiveCheck({ checkers, model: workload.model, replicas: [...db.nodes] })
    : null;
  if (live) recorder.listen((op) => live.op(op));
  // The main phase ends at its time limit, or earlier at an anomaly with --stop-on-anomaly.
  const stopMain = new AbortController();
  const mainSignal = AbortSignal.any([o.signal, stopMain.signal]);
  const clocks = new ClockTable();
  // Periodic dumps are written as deltas (checkers/dump-stream.ts): whole logs every few seconds grew the
  // store with the square of the run's length.
  const dumpEncoder = new DumpEncoder();
  const dumpsFd = fs.openSync(run.file('dumps'), 'a');
  let toxiproxy: ToxiproxyHandle | null = null;
  let workers: Workers | null = null;
  let nemesis: NemesisRunner | null = null;
  let dumpTimer: NodeJS.Timeout | null = null;
  let progressTimer: NodeJS.Timeout | null = null;
  let checkTimer: NodeJS.Timeout | null = null;
  let phase = 'setup';
  let interrupted: string | undefined;
  const runClock = () => recorder.now() / 1e6;

  let dumping = false;
  const takeDumps = async (final: boolean) => {
    // A periodic dump that outlasts the interval is not started twice over.
    if (!final && dumping) return;
    if (!final) dumping = true;
    try {
      await dumpAll(final);
    } finally {
      if (!final) dumping = false;
    }
  };
  const dumpAll = async (final: boolean) => {
    for (const node of db.nodes) {
      // The final dumps are whole: the durability check reads them on their own.
      const d = ((await db.logDump?.(node, { whole: final })) ?? null) as ReplicaLogDump | LogSuffix | null;
      if (!d) continue;
      if (final) d.final = true;
      const rec = dumpEncoder.encode(d);
      if (!rec) continue;
      fs.writeSync(dumpsFd, `${recordLine(rec)}\n`);
      live?.dump(rec);
    }
  };

  try {
    toxiproxy = await startToxiproxy(cfg.toxiproxy, { seed: cfg.seed });
    record.toxiproxy = {
      kind: toxiproxy.kind,
      version: toxiproxy.version,
      url: toxiproxy.url,
      ...(toxiproxy.command ? { command: toxiproxy.command } : {}),
    };
    const listen = await db.plan(path.join(run.dir, 'nodes'));
    const proxyClient = new Toxiproxy(toxiproxy.url);
    const topology = await createTopology(
      proxyClient,
      Object.entries(listen).map(([id, addr]) => ({ id, listen: addr })),
    );
    record.cluster.proxies = topology.proxies;
    run.writeJson('test', record);
    o.progress(
      `run ${run.dir}: ${db.nodes.length} replicas (${String(sut.describe().mode ?? cfg.system)}), toxiproxy ${toxiproxy.kind} ${toxiproxy.version}`,
    );
    // Faults that need something in place before the nodes start (libfaketime env for the clock fault).
    for (const f of faults.values()) f.prepare?.({ db, nodesDir: path.join(run.dir, 'nodes') });
    await db.setup(topology.peers);
    await waitHealthy(sut, o.signal);

    workers = new Workers({
      concurrency: cfg.concurrency,
      rate: cfg.rate,
      recorder,
      rng: (slot) => rng.fork(`process-${slot}`),
      now: runClock,
      newClient: (process, slot) =>
        sut.client({
          process,
          addresses: topology.clients,
          clock: clocks.clock(clientClockName(slot), cfg.clockGranularityUs),
          timeoutMs: cfg.opTimeoutMs,
        }),
    });
    // Jepsen's open!: connection set-up is not counted against the first operations.
    await workers.open();
    const w = workers;
    nemesis = new NemesisRunner(
      { db, toxiproxy: proxyClient, topology, clocks, log: (l) => o.progress(l) },
      faults,
      (f, value) => recorder.nemesis(f, value),
    );
    const n = nemesis;
    // A first dump now: a system that compacts its log may keep what the dumps have not read, once they read.
    void takeDumps(false).catch(() => {});
    dumpTimer = setInterval(() => void takeDumps(false).catch(() => {}), cfg.dumpInterval * 1000);
    const started = Date.now();
    progressTimer = setInterval(() => {
      o.progress(
        progressLine({
          elapsedMs: Date.now() - started,
          limitMs: cfg.timeLimit * 1000,
          phase,
          counts: w.counts,
          faults: n.current(),
          runDir: run.dir,
        }),
      );
    }, 1000);
    if (live) {
      checkTimer = setInterval(() => {
        if (record.anomaly || phase !== 'main') return;
        const anomaly = live.check();
        if (!anomaly) return;
        const stopped = Boolean(cfg.stopOnAnomaly);
        record.anomaly = { atMs: Date.now() - started, reason: anomaly, stopped };
        o.progress(`anomaly: ${anomaly}${stopped ? ' (stopping: --stop-on-anomaly)' : ''}`);
        if (stopped) stopMain.abort('anomaly');
      }, cfg.checkEvery! * 1000);
    }

    phase = 'main';
    nemesis.run(schedule);
    await workers.run(timeLimit(cfg.timeLimit * 1000, workload.generator()), mainSignal);
    phase = 'heal';
    await nemesis.heal();
    phase = 'quiet';
    await sleep(cfg.quiet * 1000, o.signal);
    phase = 'final reads';
    await workers.run(
      concat(...workload.keys.map((key) => untilOk({ f: 'read', key, value: null }))),
      o.signal,
    );
    if (!o.signal.aborted) {
      phase = 'collect';
      await takeDumps(true);
    }
  } catch (err) {
    interrupted = `error: ${(err as Error).message}`;
    o.progress(`run failed: ${(err as Error).message}`);
  } finally {
    if (dumpTimer) clearInterval(dumpTimer);
    if (progressTimer) clearInterval(progressTimer);
    if (checkTimer) clearInterval(checkTimer);
    if (o.signal.aborted) interrupted ??= String(o.signal.reason ?? 'aborted');
    phase = 'teardown';
    workers?.close();
    if (cfg.leaveRunning && !interrupted) {
      o.progress('leaving the cluster and Toxiproxy running (--leave-running)');
    } else {
      await nemesis?.heal().catch(() => {});
      await db.teardown().catch(() => {});
      await toxiproxy?.stop().catch(() => {});
    }
    recorder.close();
    fs.closeSync(dumpsFd);
  }
  // A cluster left running still writes its files.
  if (!(cfg.leaveRunning && !interrupted)) await gzipTree(path.join(run.dir, 'nodes')).catch(() => 0);

  const end = new Date();
  record.end = end.toISOString();
  record.durationMs = end.getTime() - start.getTime();
  if (interrupted) record.interrupted = interrupted;
  run.writeJson('test', record);
  writeEdnFile(run.file('history'), run.file('historyEdn'));

  let results: RunResults | null = null;
  // An aborted run is kept as it is (readable and checkable with `jitter analyze`), not checked now.
  if (!o.signal.aborted) {
    o.progress(`checking ${recorder.count} events...`);
    checkInLessMemory();
    results = analyze({
      // Streamed from the file, checker by checker: memory does not grow with the run's length.
      history: jsonLinesOf<Op>(run.file('history')),
      dumps: readDumps(run.file('dumps')),
      replicas: [...db.nodes],
      model: workload.model,
      checkers,
      replicaEvents: readReplicaStateEvents(path.join(run.dir, 'replicas')),
      logChecksum: system.logChecksum,
      survives: survivesOf(system, db.nodes),
    });
    run.writeJson('results', results);
  }
  run.linkLatest(cfg.store, cfg.name);
  if (o.report)
    await o.report(run.dir, cfg.store).catch((err) => o.progress(`report failed: ${(err as Error).message}`));
  return {
    dir: run.dir,
    results,
    // A run cut short by an error proves nothing valid, but an anomaly found before it still stands.
    exitCode: results && !(interrupted && results.valid !== false) ? exitCodeFor(results.valid) : 2,
    ...(interrupted ? { interrupted } : {}),
  };
}

/** Until every node answers and one of them knows a primary (the cluster can serve). */
async function waitHealthy(sut: SystemUnderTest, signal: AbortSignal, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!signal.aborted && Date.now() < until) {
    const states = await Promise.all(sut.db.nodes.map((n) => sut.db.state(n)));
    // A system with no notion of primary is healthy once every node answers.
    if (states.every((s) => s.status) && (!sut.db.primary || (await sut.db.primary()))) return;
    await sleep(50, signal);
  }
  if (!signal.aborted) throw new Error(`the cluster did not become healthy within ${ms / 1000} s`);
}

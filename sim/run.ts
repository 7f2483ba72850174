/**
 * One simulated run, end to end, as harness/run.ts runs a real one: workload and fault schedule (main),
 * heal, quiet, final reads, final dumps; then the same checkers. Nothing here reads a real clock or
 * Math.random: the seed and the options decide the run.
 */

import { type ReplicaStateEvent, STATE_EVENTS } from '../checkers/replica-state.js';
import type { ReplicaLogDump } from '../checkers/types.js';
import { concat, limit, timeLimit, untilOk } from '../core/generator.js';
import type { History } from '../core/history.js';
import { Rng } from '../core/rng.js';
import type { RunResults } from '../core/store.js';
import { analyze } from '../harness/analyze.js';
import { planSchedule } from '../nemesis/schedule.js';
import type { Fault, FaultRecord, ScheduledAction } from '../nemesis/types.js';
import { jitPaxosSystem } from '../systems/jitpaxos/index.js';
import { survivesOf } from '../systems/registry.js';
import { makeWorkload } from '../workloads/index.js';
import type { SimEvent } from './event-queue.js';
import { makeSimFaults } from './faults.js';
import type { SimOptions } from './options.js';
import { swarmOptions } from './swarm.js';
import { SimWorkers } from './workers.js';
import { type ReplicaLogLine, World } from './world.js';

export interface SimRun {
  options: SimOptions;
  schedule: ScheduledAction[];
  history: History;
  dumps: ReplicaLogDump[];
  replicaLogs: Map<string, ReplicaLogLine[]>;
  results: RunResults;
  /** Simulated microseconds the run took, and what the world did (deterministic). */
  simulatedUs: number;
  stats: Record<string, number>;
  /** Set when the run did not reach its end (a stall past the budget). */
  interrupted?: string;
  /** Wall milliseconds spent simulating and checking: kept apart, never in the run's files but wall.json. */
  wall: { simMs: number; checkMs: number };
}

/** Simulated time the phases after the main one may take before the run counts as stalled. */
const TAIL_BUDGET_US = 300_000_000;

/**
 * Events a run may fire per simulated second and client process before it counts as a runaway: a loop of
 * messages or timers that simulated time hardly advances through would otherwise hold a sweep's worker, and
 * its memory, for good. The busiest of 30 swarm seeds fired 1,100 per client (6,600 per simulated second).
 */
const EVENTS_PER_SIMULATED_S_AND_CLIENT = 20_000;

export function runSim(input: SimOptions, check: { maxSteps?: number } = {}): SimRun {
  const shaped = input.swarm ? swarmOptions(input) : input;
  const o: SimOptions = { ...shaped, concurrency: shaped.concurrency || 2 * shaped.replicas };
  const wall0 = performance.now();
  const root = new Rng(o.seed);
  const world = new World(o, root);
  const q = world.queue;
  const workload = makeWorkload(o.workload, { keys: o.keys });
  const scripted = o.schedule?.map((a) => a.fault) ?? [];
  const faults = makeSimFaults([...new Set([...o.nemesis, ...scripted])]);
  const schedule =
    o.schedule ??
    planSchedule({
      // planSchedule reads only a fault's name and plan.
      faults: [...faults.values()] as unknown as Fault[],
      rng: root.fork('nemesis'),
      intervalMs: o.nemesisInterval * 1000,
      durationMs: o.timeLimit * 1000,
      nodes: world.nodes,
    });

  for (const r of world.replicas.values()) r.start();

  const workers = new SimWorkers({
    concurrency: o.concurrency,
    queue: q,
    recorder: world.recorder,
    newClient: (process, slot) => world.newClient(process, slot),
    rng: (slot) => root.fork(`process-${slot}`),
  });

  const active = new Map<string, FaultRecord>();
  const record = (f: string, value: FaultRecord) => world.recorder.nemesis(f, value);
  const conditions = world.conditions();
  for (const c of conditions) record('start', c);
  const pending: SimEvent[] = schedule.map((a) =>
    q.at(a.atMs * 1000, () => {
      const fault = faults.get(a.fault);
      if (!fault) return;
      if (a.action === 'start') {
        const r = fault.start(world, a.params ?? {});
        active.set(a.fault, r);
        record('start', r);
      } else {
        active.delete(a.fault);
        record('stop', fault.stop(world));
      }
    }),
  );

  let dumpTimer: SimEvent | null = null;
  const dumpEvery = () => {
    dumpTimer = q.after(o.dumpInterval * 1_000_000, () => {
      world.takeDumps(false);
      dumpEvery();
    });
  };
  // A first dump at the start, as a real run takes one: replicas then keep what the dumps have not read (readerAt).
  world.takeDumps(false);
  dumpEvery();

  let finished = false;
  const heal = () => {
    for (const e of pending) e.cancelled = true;
    for (const name of [...active.keys()]) {
      record('stop', faults.get(name)!.stop(world));
      active.delete(name);
    }
    // Whatever any fault left: every node up and running, every link whole.
    for (const r of world.replicas.values()) {
      if (!r.up) r.start();
      r.resume();
    }
    world.net.cut.clear();
    world.net.slow.clear();
    world.calm();
    for (const c of conditions) record('stop', { fault: c.fault, healed: true });
    record('heal', { fault: 'all', healed: [...faults.keys()] });
  };
  const finalReads = () =>
    workers.run(concat(...workload.keys.map((key) => untilOk({ f: 'read', key, value: null }))), () => {
      world.takeDumps(true);
      finished = true;
    });

  const main = timeLimit(o.timeLimit * 1000, workload.generator());
  workers.run(o.opLimit !== undefined ? limit(o.opLimit, main) : main, () => {
    heal();
    q.after(o.quiet * 1_000_000, finalReads);
  });

  const budget = o.timeLimit * 1_000_000 + TAIL_BUDGET_US;
  let events = 0;
  let runaway = false;
  while (!finished && q.step(budget)) {
    // every event is the world's; the first ten simulated seconds' worth is the headroom
    if (++events > (q.now / 1e6 + 10) * EVENTS_PER_SIMULATED_S_AND_CLIENT * o.concurrency) {
      runaway = true;
      break;
    }
  }
  if (dumpTimer) (dumpTimer as SimEvent).cancelled = true;
  workers.close();
  const interrupted = finished
    ? undefined
    : runaway
      ? `runaway: ${events} events by ${(q.now / 1e6).toFixed(1)} simulated s (a loop of messages or timers)`
      : `stalled: the run did not finish within ${budget / 1e6} simulated s`;
  const history = world.history;
  const wall1 = performance.now();
  const analyzed = analyze({
    history,
    dumps: world.dumps,
    replicas: world.nodes,
    model: workload.model,
    checkers: [...workload.checkers, ...jitPaxosSystem.checkers],
    // A budget of search steps, not wall time: a verdict that depended on the machine's load would break replay.
    maxSteps: check.maxSteps,
    replicaEvents: replicaEventsOf(world.replicaLogs),
    logChecksum: jitPaxosSystem.logChecksum,
    survives: survivesOf(jitPaxosSystem, world.nodes),
  });
  // Wall time is not part of a simulated run's result (it would break byte-for-byte replay).
  const timeless = withoutWallTime(analyzed) as RunResults;
  const results: RunResults = interrupted
    ? { ...timeless, valid: timeless.valid === false ? false : 'unknown' }
    : timeless;
  return {
    options: o,
    schedule,
    history,
    dumps: world.dumps,
    replicaLogs: world.replicaLogs,
    results,
    simulatedUs: q.now,
    stats: { ...world.net.stats, ...workers.counts },
    ...(interrupted ? { interrupted } : {}),
    wall: { simMs: wall1 - wall0, checkMs: performance.now() - wall1 },
  };
}

/** The checkers' results without the wall milliseconds they took (`ms`, `checkMs`), which vary by machine. */
function withoutWallTime(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutWallTime);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) out[k] = k === 'ms' || k === 'checkMs' ? 0 : withoutWallTime(v);
  return out;
}

/** The replica-state checker's view of the replicas' logs (the lines replicas/<id>.log will hold). */
function replicaEventsOf(logs: Map<string, ReplicaLogLine[]>): ReplicaStateEvent[] {
  const out: ReplicaStateEvent[] = [];
  for (const lines of logs.values()) {
    for (const l of lines) {
      // What JSON.parse would give back of the line the store writes (fields left undefined drop out).
      if (STATE_EVENTS.has(l.event)) out.push(JSON.parse(JSON.stringify(l)) as ReplicaStateEvent);
    }
  }
  return out;
}

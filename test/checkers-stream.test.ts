/**
 * Checking a history read as a stream gives what checking it as an array gives: linearizability per key with
 * spilling (against checkHistory, on the Porcupine corpus and on synthetic runs), stats, and availability
 * (against the pre-streaming checker kept in test/availability-reference.ts, on random runs with faults).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAvailability } from '../checkers/availability.js';
import { syntheticJitterKv } from '../checkers/bench/synthetic.js';
import { checkHistory } from '../checkers/linearizability.js';
import { checkHistoryStream } from '../checkers/linearizability-stream.js';
import { readHistoryFile } from '../checkers/readers/index.js';
import { runCheckers } from '../checkers/registry.js';
import { checkStats } from '../checkers/stats.js';
import type { LinearizabilityResult } from '../checkers/types.js';
import '../checkers/plugins.js';
import type { History, Op } from '../core/history.js';
import { checkAvailability as referenceAvailability } from './availability-reference.js';

const CORPUS = join(import.meta.dirname, 'fixtures/porcupine');
const corpus: Array<{ file: string; model: string; linearizable: boolean }> = JSON.parse(
  readFileSync(join(CORPUS, 'EXPECTED.json'), 'utf8'),
).files;

/** A stream that is not an array: what analyze passes for history.jsonl. */
function streamOf(history: History): Iterable<Op> {
  return { [Symbol.iterator]: () => history[Symbol.iterator]() };
}

/** What both checks must agree on: the verdict, and for each key decided by both its verdict and work. */
function essence(r: LinearizabilityResult) {
  return { valid: r.valid, ops: r.ops, model: r.model };
}

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

describe('linearizability of a streamed history', () => {
  it.each(corpus)('$file: the same verdict as checkHistory, spilling to files', ({ file, model }) => {
    const { history } = readHistoryFile(join(CORPUS, file));
    const whole = checkHistory(history, { model });
    // A tiny buffer: every key goes through its spill file.
    const streamed = checkHistoryStream(streamOf(history), { model, bufferBytes: 256 });
    expect(essence(streamed)).toEqual(essence(whole));
    if (whole.valid === true) {
      // Every key searched alone takes the same steps as in turns.
      const steps = (r: LinearizabilityResult) => r.partitions.map((p) => [p.partition, p.ops, p.steps]);
      expect(steps(streamed)).toEqual(steps(whole));
    } else {
      expect(streamed.counterexample?.op).not.toBeNull();
    }
  });

  it('agrees with checkHistory on synthetic runs, valid and corrupted, counterexample included', () => {
    for (const seed of [1, 2, 3]) {
      const history = syntheticJitterKv({ ops: 2000, processes: 8, keys: 4, seed });
      const whole = checkHistory(history, { model: 'jitter-kv' });
      const streamed = checkHistoryStream(streamOf(history), { model: 'jitter-kv', bufferBytes: 4096 });
      expect(streamed).toMatchObject({
        ...essence(whole),
        partitions: whole.partitions.map((p) => ({ ...p, ms: expect.any(Number) })),
      });
      // One read made impossible: one key fails, with the same counterexample.
      const bad = history.map((op) => ({ ...op }));
      const read = bad.findLast((op) => op.type === 'ok' && op.f === 'read' && op.value !== null)!;
      read.value = 'never-written';
      const wholeBad = checkHistory(bad, { model: 'jitter-kv' });
      const streamedBad = checkHistoryStream(streamOf(bad), { model: 'jitter-kv', bufferBytes: 4096 });
      expect(streamedBad.valid).toBe(false);
      expect(streamedBad.reason).toBe(wholeBad.reason);
      expect(streamedBad.counterexample).toEqual(wholeBad.counterexample);
    }
  });

  it('takes a key with more buffered operations than a call takes arguments (a 30-minute single-key run)', () => {
    // A 5-replica, 30-minute soak threw "Maximum call stack size exceeded" here: 200,000 operations of one
    // key, all still in memory, were spread into one push.
    const history = syntheticJitterKv({ ops: 200_000, processes: 1, keys: 1, seed: 5 });
    const streamed = checkHistoryStream(streamOf(history), { model: 'jitter-kv', bufferBytes: 2 ** 30 });
    expect(streamed.valid).toBe(true);
    expect(streamed.ops).toBe(200_000);
  }, 120_000);

  it('is what runCheckers uses for a history that is not an array', () => {
    const history = syntheticJitterKv({ ops: 500, processes: 4, keys: 3, seed: 7 });
    const input = { dumps: [], replicas: [], model: 'jitter-kv' };
    const names = ['linearizability', 'stats', 'availability'];
    const whole = runCheckers(names, { ...input, history });
    const streamed = runCheckers(names, { ...input, history: streamOf(history) });
    expect(Object.keys(streamed)).toEqual(Object.keys(whole));
    for (const name of names) expect(streamed[name]!.valid).toBe(whole[name]!.valid);
    expect(streamed.stats).toEqual(whole.stats);
    expect(streamed.availability).toEqual(whole.availability);
  });
});

describe('stats of a streamed history', () => {
  it('counts as before, open operations as info', () => {
    const history = syntheticJitterKv({ ops: 300, processes: 5, keys: 2, seed: 3 });
    const cut = history.slice(0, 250);
    expect(checkStats(streamOf(cut))).toEqual(checkStats(cut));
    expect(Object.values(checkStats(cut).byF).reduce((n, c) => n + c.ok + c.fail + c.info, 0)).toBe(
      cut.filter((op) => op.type === 'invoke').length,
    );
  });
});

describe('availability in one streaming pass', () => {
  const s = 1e9;
  const FAULTS = [
    { fault: 'partition', topology: 'halves' },
    { fault: 'latency', attributes: { latency: 40, jitter: 5 } },
    { fault: 'latency', attributes: { latency: 400, jitter: 5 } },
    { fault: 'kill' },
    { fault: 'clock' },
  ];

  /** A random run: processes with gaps, slow spells and timeouts, faults starting, stopping and healing. */
  function randomRun(seed: number): History {
    const rand = rng(seed);
    const events: Array<Omit<Op, 'index'>> = [];
    const length = (10 + rand() * 30) * s;
    const processes = 1 + Math.floor(rand() * 4);
    for (let p = 0; p < processes; p++) {
      let proc = p;
      let t = rand() * 2 * s;
      while (t < length) {
        const took = rand() < 0.15 ? rand() * 9 * s : rand() * 0.3 * s;
        const outcome = rand() < 0.1 ? 'info' : rand() < 0.1 ? 'fail' : 'ok';
        events.push({ time: Math.round(t), type: 'invoke', process: proc, f: 'write', value: 1 });
        // Some operations never complete: the run ends first.
        if (t + took < length || rand() < 0.5) {
          events.push({ time: Math.round(t + took), type: outcome, process: proc, f: 'write', value: 1 });
          if (outcome === 'info') proc += processes;
        } else break;
        t += took + (rand() < 0.1 ? rand() * 8 * s : rand() * 0.2 * s);
      }
    }
    for (let t = rand() * 5 * s; t < length; t += rand() * 8 * s) {
      const fault = FAULTS[Math.floor(rand() * FAULTS.length)]!;
      const f = rand() < 0.6 ? 'start' : rand() < 0.5 ? 'stop' : 'heal';
      events.push({
        time: Math.round(t),
        type: 'info',
        process: 'nemesis',
        f,
        value: f === 'heal' ? { fault: 'all' } : fault,
      });
    }
    if (rand() < 0.7)
      events.push({
        time: Math.round(length),
        type: 'info',
        process: 'nemesis',
        f: 'heal',
        value: { fault: 'all' },
      });
    // Time order, as a recorder writes them (a process's invocation before its completion at the same time).
    events.sort((a, b) => a.time - b.time || (a.type === 'invoke' ? 1 : 0) - (b.type === 'invoke' ? 1 : 0));
    const order = events.map((e, i) => ({ e, i }));
    order.sort((a, b) => a.e.time - b.e.time || a.i - b.i);
    return fixPairing(order.map(({ e }, index) => ({ index, ...e })));
  }

  /** Drops events that would not pair once sorted (an invocation before its process's previous completion). */
  function fixPairing(h: History): History {
    const open = new Set<Op['process']>();
    const out: History = [];
    for (const op of h) {
      if (op.process !== 'nemesis') {
        if (op.type === 'invoke') {
          if (open.has(op.process)) continue;
          open.add(op.process);
        } else {
          if (!open.has(op.process)) continue;
          open.delete(op.process);
        }
      }
      out.push({ ...op, index: out.length });
    }
    return out;
  }

  it('agrees with the pre-streaming checker on 400 random runs', () => {
    let invalid = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const h = randomRun(seed);
      const want = referenceAvailability(h);
      expect(checkAvailability(streamOf(h)), `seed ${seed}`).toEqual(want);
      if (!want.valid) invalid++;
    }
    // Both kinds of run were exercised.
    expect(invalid).toBeGreaterThan(20);
    expect(invalid).toBeLessThan(390);
  });
});

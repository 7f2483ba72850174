/**
 * The linearizability search's budget is a count of steps: the same history gets the same verdict, after the
 * same work, on an idle machine and on one kept busy; past the budget the verdict is unknown and says why.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { syntheticJitterKv } from '../checkers/bench/synthetic.js';
import { checkHistory } from '../checkers/linearizability.js';
import { checkHistoryStream } from '../checkers/linearizability-stream.js';
import type { LinearizabilityResult } from '../checkers/types.js';
import type { History, Op } from '../core/history.js';

/**
 * n writes of distinct values, all concurrent, then sequential reads of 1, 2, 1: not linearizable (the last
 * write decides every later read), and proving it means trying the writes' orders: about n * 2^n steps.
 */
function adversarial(n: number): History {
  const h: History = [];
  const push = (op: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length, ...op });
  for (let p = 0; p < n; p++) push({ type: 'invoke', process: p, f: 'write', value: p + 1 });
  for (let p = 0; p < n; p++) push({ type: 'ok', process: p, f: 'write', value: p + 1 });
  for (const v of [1, 2, 1]) {
    push({ type: 'invoke', process: n, f: 'read', value: null });
    push({ type: 'ok', process: n, f: 'read', value: v });
  }
  return h;
}

/** What must not depend on the machine: verdicts, reasons and the work of each key. */
function work(r: LinearizabilityResult) {
  return {
    valid: r.valid,
    reason: r.reason,
    partitions: r.partitions.map((p) => [p.partition, p.valid, p.steps, p.cacheEntries]),
  };
}

/** Busy threads on every core until stopped: the machine is loaded while the check runs. */
function loadMachine(threads: number): () => Promise<void> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from(
    { length: threads },
    () =>
      new Worker(
        'const { workerData } = require("node:worker_threads"); let x = 0; while (Atomics.load(workerData, 0) === 0) { for (let i = 0; i < 1e5; i++) x += Math.sqrt(i); }',
        { eval: true, workerData: stop },
      ),
  );
  return async () => {
    Atomics.store(stop, 0, 1);
    await Promise.all(workers.map((w) => w.terminate()));
  };
}

describe('step budget', () => {
  it('gives unknown, saying the step budget ran out, on a history that needs more', () => {
    const h = adversarial(10);
    const full = checkHistory(h, { model: 'cas-register' });
    expect(full.valid).toBe(false);
    const steps = full.partitions[0]!.steps;
    expect(steps).toBeGreaterThan(1000);
    const small = checkHistory(h, { model: 'cas-register', maxSteps: 1000 });
    expect(small.valid).toBe('unknown');
    expect(small.reason).toBe('step budget exhausted (1000 search steps)');
    // Streamed, the same.
    expect(checkHistoryStream(h, { model: 'cas-register', maxSteps: 1000 }).reason).toBe(small.reason);
    // Just enough is enough.
    expect(checkHistory(h, { model: 'cas-register', maxSteps: steps }).valid).toBe(false);
  });

  it('names the key whose search ran out', () => {
    const h = syntheticJitterKv({ ops: 3000, processes: 10, keys: 3, seed: 5 });
    const r = checkHistory(h, { model: 'jitter-kv', maxSteps: 50 });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/^partition \S+: step budget exhausted \(50 search steps\)$/);
  });

  it('gives the same verdict after the same work on a loaded machine', async () => {
    const histories: Array<[History, string, number | undefined]> = [
      [adversarial(11), 'cas-register', undefined],
      [adversarial(11), 'cas-register', 5000],
      [
        syntheticJitterKv({ ops: 4000, processes: 12, keys: 4, seed: 9, infoRate: 0.02 }),
        'jitter-kv',
        undefined,
      ],
      [syntheticJitterKv({ ops: 4000, processes: 12, keys: 4, seed: 9, infoRate: 0.02 }), 'jitter-kv', 2000],
    ];
    const check = () =>
      histories.map(([h, model, maxSteps]) =>
        work(checkHistory(h, { model, ...(maxSteps ? { maxSteps } : {}) })),
      );
    const idle = check();
    expect(idle.map((r) => r.valid)).toEqual([false, 'unknown', true, 'unknown']);
    const stop = loadMachine(4);
    try {
      // The search is synchronous: it runs while the workers keep every core busy.
      expect(check()).toEqual(idle);
    } finally {
      await stop();
    }
  });
});

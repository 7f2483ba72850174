import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Op } from '../core/history.js';
import { buildReportData } from '../reports/data.js';
import { FaultCollector } from '../reports/faults.js';
import { bucketWidth, quantile, quantiles, throughput } from '../reports/latency.js';
import { OpCollector } from '../reports/ops.js';
import { synthRun } from '../reports/synth.js';
import { OP_COLUMNS, type OpColumns } from '../reports/types.js';

let store: string;
beforeAll(() => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-report-data-'));
});
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

const op = (
  index: number,
  time: number,
  type: Op['type'],
  process: Op['process'],
  f: string,
  value: unknown,
  extra: Partial<Op> = {},
): Op => ({
  index,
  time,
  type,
  process,
  f,
  value,
  ...extra,
});

describe('operations', () => {
  it('pairs invocations with completions per process and leaves the unfinished pending', () => {
    const c = new OpCollector();
    c.add(op(0, 1_000_000, 'invoke', 0, 'write', 5, { key: 'a' }));
    c.add(op(1, 2_000_000, 'invoke', 1, 'read', null, { key: 'a' }));
    c.add(op(2, 4_000_000, 'ok', 1, 'read', 5, { key: 'a' }));
    c.add(op(3, 7_000_000, 'info', 0, 'write', 5, { key: 'a', error: 'timeout' }));
    c.add(op(4, 8_000_000, 'invoke', 0, 'cas', [5, 6]));
    expect(c.count).toBe(3);
    const cols = c.arrays();
    expect(cols.latUs).toEqual([6000, 2000, -1]);
    expect(cols.type).toEqual([2, 0, 3]);
    expect(cols.startDeltaUs).toEqual([1000, 1000, 6000]);
    expect(c.values.list[cols.res[1]!]).toBe('5');
    expect(c.values.list[cols.err[0]!]).toBe('"timeout"');
    expect(cols.key[2]).toBe(-1);
    expect(cols.index).toEqual([0, 1, 4]);
  });

  it('computes nearest-rank quantiles and per-kind rows', () => {
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99)).toBe(10);
    const c = new OpCollector();
    for (let i = 0; i < 100; i++) {
      c.add(op(2 * i, i * 10_000_000, 'invoke', 0, 'read', null));
      c.add(op(2 * i + 1, i * 10_000_000 + (i + 1) * 1000, 'ok', 0, 'read', 1));
    }
    const rows = quantiles(c);
    const all = rows.find((r) => r.f === 'all' && r.outcome === 'ok')!;
    expect(all.count).toBe(100);
    expect(all.p50).toBeCloseTo(0.05, 6);
    expect(all.max).toBeCloseTo(0.1, 6);
    const tp = throughput(c, 1000);
    // Every completion lands in one bucket, as a rate: summing rate x width gives the count back.
    const total = tp.ok.reduce((a, b) => a + b, 0) * (tp.bucketMs / 1000);
    expect(Math.round(total)).toBe(100);
    expect(bucketWidth(1000)).toBe(10);
    expect(bucketWidth(3_600_000)).toBeLessThanOrEqual(10_000);
  });
});

describe('faults', () => {
  it('pairs starts and stops by kind, extends open intervals to the run edges', () => {
    const f = new FaultCollector();
    const nem = (t: number, which: 'start' | 'stop', value: unknown) =>
      f.add(op(0, t * 1e6, 'info', 'nemesis', which, value));
    nem(5, 'stop', { fault: 'kill' });
    nem(10, 'start', { fault: 'partition', groups: [['r1'], ['r2']] });
    nem(12, 'start', { fault: 'clock', offsets: { r1: 200_000 } });
    nem(20, 'stop', { fault: 'partition' });
    nem(25, 'stop', { fault: 'clock', offsets: { r2: -50_000 } });
    nem(30, 'start', { fault: 'pause' });
    const list = f.faults(100);
    expect(list.map((i) => [i.kind, i.start, i.end, i.openStart, i.openEnd])).toEqual([
      ['kill', 0, 5, true, false],
      ['partition', 10, 20, false, false],
      ['clock', 12, 25, false, false],
      ['pause', 30, 100, false, true],
    ]);
    expect(list[1]!.detail).toContain('"groups"');
    const clock = f.clock(100)!;
    expect(clock.nodes).toEqual(['r1', 'r2']);
    expect(clock.t).toEqual([0, 12, 25, 100]);
    expect(clock.offsetsMs).toEqual([
      [0, 200, 0, 0],
      [0, 0, -50, -50],
    ]);
    expect(new FaultCollector().clock(10)).toBeNull();
  });

  it('ends the faults a final heal names, and resets clocks', () => {
    const f = new FaultCollector();
    const nem = (t: number, which: string, value: unknown) =>
      f.add(op(0, t * 1e6, 'info', 'nemesis', which, value));
    nem(10, 'start', { fault: 'partition' });
    nem(20, 'start', { fault: 'clock', offsets: { r1: 1000 } });
    nem(30, 'start', { fault: 'kill' });
    nem(40, 'heal', { fault: 'all', healed: ['partition', 'clock'] });
    expect(f.faults(100).map((i) => [i.kind, i.end, i.openEnd])).toEqual([
      ['partition', 40, false],
      ['clock', 40, false],
      ['kill', 100, true],
    ]);
    expect(f.clock(100)!.offsetsMs).toEqual([[0, 1, 0, 0]]);
  });
});

describe('report data from a run folder', () => {
  it('shows the verdict, the counterexample with states, commit violations side by side and replica events', async () => {
    const dir = synthRun(store, { ops: 300, invalid: true, commitViolation: true, name: 'invalid' });
    const d = await buildReportData(dir);
    expect(d.verdict).toBe(false);
    expect(d.missing).toEqual([]);
    expect(d.history.ops).toBe(300);
    expect(d.checkers.map((c) => c.name)).toEqual([
      'linearizability',
      'commit-consistency',
      'stats',
      'availability',
    ]);
    expect(d.config.find(([k]) => k === 'mode')?.[1]).toBe('fixed');
    expect(d.config.some(([k, v]) => k === 'toxiproxy' && v.includes('embedded'))).toBe(true);

    const cx = d.counterexample!;
    expect(cx.failing?.text).toContain('never-written');
    expect(cx.steps.length).toBeGreaterThan(0);
    expect(cx.steps[0]!.before).toBe(cx.initialState);
    for (let i = 1; i < cx.steps.length; i++) expect(cx.steps[i]!.before).toBe(cx.steps[i - 1]!.after);
    expect(cx.failingBefore).toBe(cx.steps[cx.steps.length - 1]!.after);
    expect(cx.failing!.call).toBeGreaterThan(0);
    expect(cx.failing!.call).toBeLessThanOrEqual(d.endMs);
    // Context operations are on the same key and not already among the steps.
    const stepIds = new Set(cx.steps.map((s) => s.op.call));
    expect(cx.context.every((o) => o.text.includes(cx.partition!) && !stepIds.has(o.call))).toBe(true);

    const cc = d.commit!;
    expect(cc.valid).toBe(false);
    const durability = cc.violations.find((v) => v.kind === 'durability' && v.replica === 'r3')!;
    expect(durability.index).toBe(2);
    const sbs = durability.sideBySide!;
    expect(sbs.columns.map((c) => c.replica)).toEqual(['r1', 'r2', 'r3']);
    const row = sbs.rows.find((r) => r.index === 2)!;
    expect(row.cells[0]!.client).toBe(row.cells[1]!.client);
    expect(row.cells[2]!.client).toBe('c-intruder');

    expect(d.replicaEvents.restarts).toEqual({ r1: 0, r2: 1, r3: 0 });
    expect(d.replicaEvents.nonJson).toBe(1);
    expect(d.replicaEvents.other.listening).toBe(3);
    expect(d.replicaEvents.events.every((e, i, a) => i === 0 || a[i - 1]!.t <= e.t)).toBe(true);
    expect(d.faultKinds).toEqual(['clock', 'kill', 'latency', 'partition', 'pause']);
    expect(d.clock?.nodes).toEqual(['r1', 'r2']);
    expect(d.files.map((f) => f.path)).toContain('replicas/r2.log');
  });

  it('reports what exists when a run was cut short', async () => {
    const dir = synthRun(store, { ops: 50, check: false, name: 'cut' });
    fs.rmSync(path.join(dir, 'dumps.jsonl'));
    fs.rmSync(path.join(dir, 'replicas'), { recursive: true });
    // A torn last line, as a killed harness leaves it.
    fs.appendFileSync(path.join(dir, 'history.jsonl'), '{"index": 9999, "ti');
    const d = await buildReportData(dir);
    expect(d.verdict).toBeNull();
    expect(d.missing).toEqual(['results.json', 'dumps.jsonl', 'replicas']);
    expect(d.history.malformed).toBe(1);
    expect(d.history.ops).toBe(50);
    expect(d.counterexample).toBeNull();
    expect(d.replicaEvents.replicas).toEqual([]);
  });

  it('reads a 100,000-operation history', async () => {
    const dir = synthRun(store, { ops: 100_000, check: false, name: 'big' });
    const t0 = performance.now();
    const d = await buildReportData(dir);
    const ms = performance.now() - t0;
    expect(d.history.ops).toBe(100_000);
    // A long run's columns come packed, as the page unpacks them (reports/page/report.ts).
    expect(d.ops.latUs).toEqual([]);
    const ops = JSON.parse(zlib.gunzipSync(Buffer.from(d.opsPacked!, 'base64')).toString()) as OpColumns;
    expect(Object.keys(ops)).toEqual([...OP_COLUMNS]);
    expect(ops.latUs.length).toBe(100_000);
    // Decoding the delta-encoded starts gives back ascending times within the run; indices likewise.
    let us = 0;
    for (const dt of ops.startDeltaUs) us += dt;
    expect(us / 1000).toBeLessThanOrEqual(d.endMs);
    for (let i = 1; i < ops.index.length; i++) ops.index[i]! += ops.index[i - 1]!;
    expect(ops.index.every((v, i) => i === 0 || v > ops.index[i - 1]!)).toBe(true);
    // Its speed is bench:report's to measure, not this test's to assert.
    console.log(`buildReportData 100k ops: ${ms.toFixed(0)} ms`);
  }, 60_000);
});

/** stats, availability and composition. */
import { describe, expect, it } from 'vitest';
import { checkAvailability } from '../checkers/availability.js';
import { combineVerdicts, composeResults } from '../checkers/compose.js';
import { checkStats } from '../checkers/stats.js';
import type { History, Op } from '../core/history.js';
import { hist } from './checkers-helpers.js';

describe('stats', () => {
  it('counts outcomes per kind and fails when a kind never succeeded', () => {
    const h = hist([
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'cas', [1, 2]],
      [1, 'fail', 'cas', [1, 2]],
      [2, 'invoke', 'cas', [1, 3]],
      [2, 'info', 'cas', [1, 3]],
      [3, 'invoke', 'read', null],
    ]);
    const r = checkStats(h);
    expect(r.byF).toEqual({
      write: { ok: 1, fail: 0, info: 0 },
      cas: { ok: 0, fail: 1, info: 1 },
      read: { ok: 0, fail: 0, info: 1 },
    });
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('never succeeded: cas, read');
    expect(checkStats(h.slice(0, 2)).valid).toBe(true);
  });

  describe('a kind that never succeeded is unknown when the faults never gave it a fair try', () => {
    const s = 1e9;
    /** Writes succeed every second; one cas at `casAt`, timing out; a partition over [pStart, pStop). */
    function run(casAt: number, pStart: number, pStop: number): History {
      const h: History = [];
      const push = (time: number, type: Op['type'], process: Op['process'], f: string, value: unknown) =>
        h.push({ index: h.length, time, type, process, f, value });
      const events: Array<[number, () => void]> = [
        [pStart, () => push(pStart, 'info', 'nemesis', 'start', { fault: 'partition', topology: 'halves' })],
        [pStop, () => push(pStop, 'info', 'nemesis', 'stop', { fault: 'partition' })],
        [casAt, () => push(casAt, 'invoke', 1, 'cas', [0, 1])],
        [casAt + 1.5 * s, () => push(casAt + 1.5 * s, 'info', 1, 'cas', [0, 1])],
      ];
      for (let t = 0; t < 20 * s; t += s)
        events.push(
          [t, () => push(t, 'invoke', 0, 'write', 1)],
          [t + 0.5 * s, () => push(t + 0.5 * s, 'ok', 0, 'write', 1)],
        );
      for (const [, add] of events.sort((x, y) => x[0] - y[0])) add();
      return h;
    }

    it('unknown: every try overlapped a disruption, or came under 3 s after one', () => {
      const during = checkStats(run(8 * s, 5 * s, 10 * s));
      expect(during.valid).toBe('unknown');
      expect(during.reason).toMatch(/never succeeded: cas; never tried in a calm stretch/);
      // Invoked calm, but the partition began before it ended.
      expect(checkStats(run(4 * s, 5 * s, 10 * s)).valid).toBe('unknown');
      // Right after the heal: the cluster may still be recovering.
      expect(checkStats(run(11 * s, 5 * s, 10 * s)).valid).toBe('unknown');
    });

    it('invalid: a try in a settled calm stretch', () => {
      expect(checkStats(run(14 * s, 5 * s, 10 * s)).valid).toBe(false);
      // Before any fault: the run's start counts as settled.
      const early = checkStats(run(1 * s, 5 * s, 10 * s));
      expect(early.valid).toBe(false);
      expect(early.reason).toBe('never succeeded: cas');
    });
  });
});

describe('availability', () => {
  const s = 1e9;
  const h = [
    { index: 0, time: 0, type: 'invoke' as const, process: 0, f: 'write', value: 1 },
    { index: 1, time: 0.1 * s, type: 'ok' as const, process: 0, f: 'write', value: 1 },
    { index: 2, time: 0.5 * s, type: 'info' as const, process: 'nemesis' as const, f: 'heal', value: null },
    { index: 3, time: 1.2 * s, type: 'invoke' as const, process: 1, f: 'write', value: 2 },
    { index: 4, time: 1.4 * s, type: 'fail' as const, process: 1, f: 'write', value: 2 },
    { index: 5, time: 2.0 * s, type: 'invoke' as const, process: 0, f: 'read', value: null },
    { index: 6, time: 9.0 * s, type: 'ok' as const, process: 0, f: 'read', value: 1 },
  ];
  it('reports the ok share per window and flags operations slower than the bound after the heal', () => {
    const r = checkAvailability(h, { windowNs: s, boundNs: 5 * s });
    expect(r.healedAt).toBe(0.5 * s);
    expect(r.windows).toEqual([
      { start: 0, ops: 1, ok: 1, share: 1 },
      { start: s, ops: 1, ok: 0, share: 0 },
      { start: 2 * s, ops: 1, ok: 1, share: 1 },
    ]);
    expect(r.valid).toBe(false);
    expect(r.late).toEqual([{ process: 0, f: 'read', invokedAt: 2 * s, took: 7 * s }]);
    // The 7 s wait is also a stall: nothing completed while the read was in flight.
    expect(r.stalls).toEqual([{ start: 1.4 * s, end: 9 * s }]);
    expect(checkAvailability(h, { boundNs: 8 * s, stallNs: 8 * s }).valid).toBe(true);
  });
});

describe('availability: stalls while no disruptive fault is active', () => {
  const s = 1e9;
  type H = History;
  /** Process 0 completes a write every 0.5 s except in [from, to), where its operations time out. */
  function run(fault: Record<string, unknown> | null, from: number, to: number): H {
    const h: H = [];
    const push = (
      time: number,
      type: 'invoke' | 'ok' | 'info',
      process: number | 'nemesis',
      f: string,
      value: unknown,
    ) => h.push({ index: h.length, time, type, process, f, value } as H[number]);
    if (fault) push(1 * s, 'info', 'nemesis', 'start', fault);
    for (let t = 0; t < 20 * s; t += 0.5 * s) {
      push(t, 'invoke', 0, 'write', 1);
      push(t + 0.4 * s, t >= from && t < to ? 'info' : 'ok', 0, 'write', 1);
    }
    if (fault) push(19 * s, 'info', 'nemesis', 'stop', { fault: fault.fault });
    push(20 * s, 'info', 'nemesis', 'heal', { fault: 'all' });
    return h;
  }
  const latency = (ms: number) => ({ fault: 'latency', attributes: { latency: ms, jitter: 5 } });

  it('flags a stretch with operations in flight and none completing under small latency', () => {
    const r = checkAvailability(run(latency(40), 5 * s, 12 * s));
    expect(r.valid).toBe(false);
    expect(r.stalls).toEqual([{ start: 4.9 * s, end: 12.4 * s }]);
    expect(r.reason).toMatch(/1 stall\(s\) with no disruptive fault active/);
    // A shorter gap is not a stall; under latency its timeouts are allowed (requests are rejected and resent).
    expect(checkAvailability(run(latency(40), 5 * s, 8 * s)).valid).toBe(true);
    // With no fault at all they are late operations.
    const short = checkAvailability(run(null, 5 * s, 8 * s));
    expect(short.stalls).toEqual([]);
    expect(short.late.map((l) => l.invokedAt)).toEqual([5, 5.5, 6, 6.5, 7, 7.5].map((x) => x * s));
    expect(short.late.every((l) => l.took === null)).toBe(true);
    expect(short.valid).toBe(false);
  });

  it('allows the same gap while a disruptive fault is active', () => {
    const partition = { fault: 'partition', topology: 'halves' };
    const r = checkAvailability(run(partition, 5 * s, 12 * s));
    expect(r.stalls).toEqual([]);
    expect(r.healthy).toEqual([
      { start: 0, end: 1 * s },
      { start: 19 * s, end: 20 * s },
    ]);
    expect(r.valid).toBe(true);
    // Latency beyond the benign bound is disruptive too.
    expect(checkAvailability(run(latency(400), 5 * s, 12 * s)).valid).toBe(true);
  });

  /** A majority-quorum system of three. */
  const oneDown = (down: ReadonlySet<string>) => down.size <= 1;

  it('holds a system to progress while crashes and pauses stop only nodes it survives losing', () => {
    const killOne = { fault: 'kill', target: 'one', targets: ['r2'] };
    // A majority-quorum system of three survives one: the stall counts.
    const r = checkAvailability(run(killOne, 5 * s, 12 * s), { survives: oneDown });
    expect(r.stalls).toEqual([{ start: 4.9 * s, end: 12.4 * s }]);
    expect(r.valid).toBe(false);
    // A system that says nothing survives none; and two nodes down are more than one.
    expect(checkAvailability(run(killOne, 5 * s, 12 * s)).valid).toBe(true);
    const killTwo = { ...killOne, target: 'minority', targets: ['r2', 'r3'] };
    expect(checkAvailability(run(killTwo, 5 * s, 12 * s), { survives: oneDown }).valid).toBe(true);
    // A refused fault stopped nothing; the primary killed in each view change in turn is disruptive however few.
    const refused = { fault: 'disk-loss', target: 'one', skipped: 'r1 is down' };
    expect(checkAvailability(run(refused, 5 * s, 12 * s)).valid).toBe(false);
    const vcKill = { fault: 'vc-kill', targets: ['r2'] };
    expect(checkAvailability(run(vcKill, 5 * s, 12 * s), { survives: oneDown }).valid).toBe(true);
  });

  /** A second fault, from 4 s to 13 s, in a run's history. */
  function withSecond(h: H, fault: Record<string, unknown>): H {
    const at = (time: number, f: 'start' | 'stop', value: Record<string, unknown>) =>
      ({ index: 0, time, type: 'info', process: 'nemesis', f, value }) as H[number];
    return [...h, at(4 * s, 'start', fault), at(13 * s, 'stop', { fault: fault.fault })].sort(
      (x, y) => x.time - y.time,
    );
  }

  it.each([
    [
      // r1's disk is lost from 1 s to 3 s (it restarts recovering); r2 is killed from 4 s to 13 s.
      'a node that lost its state counts as stopped until the final heal',
      run({ fault: 'disk-loss', targets: ['r1'], stateLost: ['r1'] }, 5 * s, 12 * s).map((op) =>
        op.f === 'stop' ? { ...op, time: 3 * s } : op,
      ),
      { fault: 'kill', targets: ['r2'] },
    ],
    [
      // r2 is killed from 1 s to 19 s, r3 paused from 4 s to 13 s: two of three stopped in between.
      'nodes stopped by different faults count together',
      run({ fault: 'kill', targets: ['r2'] }, 5 * s, 12 * s),
      { fault: 'pause', targets: ['r3'] },
    ],
  ])('%s', (_, h, second) => {
    const r = checkAvailability(withSecond(h, second), { survives: oneDown });
    expect(r.stalls).toEqual([]);
    expect(r.healthy).toEqual([
      { start: 0, end: 4 * s },
      { start: 13 * s, end: 20 * s },
    ]);
  });

  it('counts the gap from the last completion, even if it began under a disruptive fault', () => {
    // A partition from 1 s to 6 s; operations time out from 3 s to 14 s: healthy and stalled from 6 s.
    const h = run({ fault: 'partition' }, 3 * s, 14 * s).map((op) =>
      op.f === 'stop' ? { ...op, time: 6 * s } : op,
    );
    h.sort((a, b) => a.time - b.time);
    const r = checkAvailability(h);
    expect(r.stalls).toEqual([{ start: 6 * s, end: 14.4 * s }]);
  });

  it('holds operations to the bound once the cluster had time to recover from a disruptive fault', () => {
    // A partition from 1 s to 6 s; timeouts at 6.5-7 s (settling) and at 10 s (settled, 3 s after the stop).
    const h = run({ fault: 'partition' }, 0, 0).map((op) => {
      if (op.f === 'stop') return { ...op, time: 6 * s };
      const t = op.time - 0.4 * s;
      if (op.type === 'ok' && [6.5, 7, 10].some((x) => Math.abs(t - x * s) < 1))
        return { ...op, type: 'info' as const };
      return op;
    });
    h.sort((a, b) => a.time - b.time);
    const r = checkAvailability(h);
    expect(r.late.map((l) => l.invokedAt)).toEqual([10 * s]);
    expect(checkAvailability(h, { settleNs: 5 * s }).late).toEqual([]);
  });

  it('holds nothing to the bound under a fault that a run cut short never healed', () => {
    const h = run({ fault: 'partition' }, 5 * s, 19 * s).filter((op) => op.f !== 'stop' && op.f !== 'heal');
    const r = checkAvailability(h);
    expect(r.healedAt).toBe(h[h.length - 1]!.time);
    expect(r.late).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('ignores time with nothing in flight', () => {
    const h = run(null, 0, 0).filter((op) => op.time < 4 * s || op.time >= 15 * s);
    expect(checkAvailability(h).stalls).toEqual([]);
  });
});

describe('composition', () => {
  it('lets false beat unknown beat true', () => {
    expect(combineVerdicts([true, 'unknown', false])).toBe(false);
    expect(combineVerdicts([true, 'unknown'])).toBe('unknown');
    expect(combineVerdicts([true, true])).toBe(true);
    expect(combineVerdicts([])).toBe(true);
    const r = composeResults(
      { checker: 'a', valid: true },
      { checker: 'b', valid: 'unknown', reason: 'timeout' },
      { checker: 'c', valid: false, reason: 'lost write' },
    );
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('c: lost write');
    expect(composeResults({ checker: 'b', valid: 'unknown', reason: 'timeout' }).reason).toBe('b: timeout');
  });
});

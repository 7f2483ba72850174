/** stats, availability and composition. */
import { describe, expect, it } from 'vitest';
import { checkAvailability } from '../checkers/availability.js';
import { combineVerdicts, composeResults } from '../checkers/compose.js';
import { checkStats } from '../checkers/stats.js';
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
    expect(checkAvailability(h, { boundNs: 8 * s }).valid).toBe(true);
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

/** Each model's rules and corner cases, on small hand-made histories with known verdicts. */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../checkers/linearizability.js';
import { getModel, MODEL_NAMES } from '../checkers/models/index.js';
import { readHistoryFile } from '../checkers/readers/index.js';
import { type Ev, hist } from './checkers-helpers.js';

const check = (model: string, events: Ev[], initial?: unknown) =>
  checkHistory(hist(events), { model, initial, timeoutMs: 10_000 }).valid;

describe('cas-register (Knossos semantics)', () => {
  it('starts at the configured initial value', () => {
    const read5: Ev[] = [
      [0, 'invoke', 'read', null],
      [0, 'ok', 'read', 5],
    ];
    expect(check('cas-register', read5, 5)).toBe(true);
    expect(check('cas-register', read5, 4)).toBe(false);
    expect(check('cas-register', read5)).toBe(false);
  });
  it('treats a failed operation as never having happened', () => {
    const h: Ev[] = [
      [0, 'invoke', 'write', 3],
      [0, 'fail', 'write', 3],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 3],
    ];
    expect(check('cas-register', h)).toBe(false);
    // A failed cas is not checked either: the compare may well have held.
    const cas: Ev[] = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'cas', [1, 2]],
      [1, 'fail', 'cas', [1, 2]],
    ];
    expect(check('cas-register', cas)).toBe(true);
    expect(check('etcd-register', cas)).toBe(false);
  });
  it('treats a read of nil as unknown', () => {
    const h: Ev[] = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', null],
    ];
    expect(check('cas-register', h)).toBe(true);
    expect(check('etcd-register', h)).toBe(false);
  });
  it('lets an info operation take effect any time after its invocation, or never', () => {
    const later: Ev[] = [
      [0, 'invoke', 'write', 1],
      [0, 'info', 'write', 1],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 0],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
    ];
    expect(check('cas-register', later, 0)).toBe(true);
    const never: Ev[] = [
      [0, 'invoke', 'write', 1],
      [0, 'info', 'write', 1],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 0],
    ];
    expect(check('cas-register', never, 0)).toBe(true);
    // ...but not before it was invoked.
    const early: Ev[] = [
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
      [0, 'invoke', 'write', 1],
      [0, 'info', 'write', 1],
    ];
    expect(check('cas-register', early, 0)).toBe(false);
    // And an info cas only applies when its compare holds.
    const cas: Ev[] = [
      [0, 'invoke', 'cas', [5, 6]],
      [0, 'info', 'cas', [5, 6]],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 6],
    ];
    expect(check('cas-register', cas, 0)).toBe(false);
    expect(check('cas-register', cas, 5)).toBe(true);
  });
  it('needs a cas to see its expected value', () => {
    const h: Ev[] = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [0, 'invoke', 'cas', [2, 3]],
      [0, 'ok', 'cas', [2, 3]],
    ];
    expect(check('cas-register', h)).toBe(false);
    h[2]![3] = [1, 3];
    h[3]![3] = [1, 3];
    expect(check('cas-register', h)).toBe(true);
  });
  it('enforces real-time order but allows any order among concurrent operations', () => {
    const concurrent: Ev[] = [
      [0, 'invoke', 'write', 1],
      [1, 'invoke', 'write', 2],
      [2, 'invoke', 'read', null],
      [2, 'ok', 'read', 1],
      [1, 'ok', 'write', 2],
      [0, 'ok', 'write', 1],
    ];
    expect(check('cas-register', concurrent)).toBe(true);
    const sequential: Ev[] = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'write', 2],
      [1, 'ok', 'write', 2],
      [2, 'invoke', 'read', null],
      [2, 'ok', 'read', 1],
    ];
    expect(check('cas-register', sequential)).toBe(false);
  });
});

describe('etcd-register (Porcupine semantics)', () => {
  it('reads nil only while the register is absent', () => {
    const h: Ev[] = [
      [0, 'invoke', 'read', null],
      [0, 'ok', 'read', null],
      [0, 'invoke', 'write', 4],
      [0, 'ok', 'write', 4],
    ];
    expect(check('etcd-register', h)).toBe(true);
  });
  it('checks a failed cas: the value must differ from the expected one', () => {
    const h: Ev[] = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'cas', [3, 4]],
      [1, 'fail', 'cas', [3, 4]],
    ];
    expect(check('etcd-register', h)).toBe(true);
    // Absent counts as different from any expected value.
    expect(check('etcd-register', h.slice(2))).toBe(true);
  });
  it('ignores a read that timed out', () => {
    const h: Ev[] = [
      [0, 'invoke', 'read', null],
      [0, 'fail', 'read', 'timed-out'],
    ];
    expect(check('etcd-register', h)).toBe(true);
  });
});

describe('kv (Porcupine)', () => {
  it('appends to the empty string and checks each key on its own', () => {
    const h: Ev[] = [
      [0, 'invoke', 'append', 'a', 'k'],
      [0, 'ok', 'append', 'a', 'k'],
      [1, 'invoke', 'append', 'b', 'k'],
      [1, 'ok', 'append', 'b', 'k'],
      [2, 'invoke', 'get', null, 'k'],
      [2, 'ok', 'get', 'ab', 'k'],
      [2, 'invoke', 'get', null, 'other'],
      [2, 'ok', 'get', '', 'other'],
    ];
    expect(check('kv', h)).toBe(true);
    h[5]![3] = 'ba';
    expect(check('kv', h)).toBe(false);
  });
  it('lets put replace the value', () => {
    const h: Ev[] = [
      [0, 'invoke', 'append', 'a', 'k'],
      [0, 'ok', 'append', 'a', 'k'],
      [0, 'invoke', 'put', 'z', 'k'],
      [0, 'ok', 'put', 'z', 'k'],
      [0, 'invoke', 'append', 'y', 'k'],
      [0, 'ok', 'append', 'y', 'k'],
      [1, 'invoke', 'get', null, 'k'],
      [1, 'ok', 'get', 'zy', 'k'],
    ];
    expect(check('kv', h)).toBe(true);
  });
  it('reports the partition that failed', () => {
    const h: Ev[] = [
      [0, 'invoke', 'put', 'x', 'a'],
      [0, 'ok', 'put', 'x', 'a'],
      [1, 'invoke', 'get', null, 'b'],
      [1, 'ok', 'get', 'x', 'b'],
    ];
    const r = checkHistory(hist(h), { model: 'kv' });
    expect(r.valid).toBe(false);
    expect(r.counterexample?.partition).toBe('b');
  });
});

describe('jitter-kv', () => {
  it('starts every key absent and reads null as absence', () => {
    const h: Ev[] = [
      [0, 'invoke', 'read', null, 'k1'],
      [0, 'ok', 'read', null, 'k1'],
      [0, 'invoke', 'write', '3', 'k1'],
      [0, 'ok', 'write', '3', 'k1'],
      [1, 'invoke', 'read', null, 'k2'],
      [1, 'ok', 'read', null, 'k2'],
    ];
    expect(check('jitter-kv', h)).toBe(true);
    h.push([1, 'invoke', 'read', null, 'k1'], [1, 'ok', 'read', null, 'k1']);
    expect(check('jitter-kv', h)).toBe(false);
  });
  it('supports cas from absent and checks a failed cas', () => {
    const h: Ev[] = [
      [0, 'invoke', 'cas', [null, 'a'], 'k'],
      [0, 'ok', 'cas', [null, 'a'], 'k'],
      [0, 'invoke', 'cas', ['b', 'c'], 'k'],
      [0, 'fail', 'cas', ['b', 'c'], 'k'],
      [0, 'invoke', 'read', null, 'k'],
      [0, 'ok', 'read', 'a', 'k'],
    ];
    expect(check('jitter-kv', h)).toBe(true);
    h[2] = [0, 'invoke', 'cas', ['a', 'c'], 'k'];
    h[3] = [0, 'fail', 'cas', ['a', 'c'], 'k'];
    expect(check('jitter-kv', h)).toBe(false);
  });
  it('treats operations without a key as one register', () => {
    const h: Ev[] = [
      [0, 'invoke', 'write', 'v', undefined],
      [0, 'ok', 'write', 'v', undefined],
      [1, 'invoke', 'read', null, undefined],
      [1, 'ok', 'read', 'v', undefined],
    ];
    const r = checkHistory(hist(h), { model: 'jitter-kv' });
    expect(r.valid).toBe(true);
    expect(r.partitions).toHaveLength(1);
  });
  it('ignores the nemesis', () => {
    const h: Ev[] = [
      ['nemesis', 'info', 'partition', null],
      [0, 'invoke', 'write', 'v', 'k'],
      ['nemesis', 'info', 'heal', null],
      [0, 'ok', 'write', 'v', 'k'],
    ];
    expect(check('jitter-kv', h)).toBe(true);
  });
});

describe('search', () => {
  it('gives a counterexample with the longest prefix, its states and the stuck operation', () => {
    const h: Ev[] = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'write', 2],
      [2, 'invoke', 'read', null],
      [2, 'ok', 'read', 2],
      [1, 'ok', 'write', 2],
      [0, 'invoke', 'read', null],
      [0, 'ok', 'read', 1],
    ];
    const r = checkHistory(hist(h), { model: 'cas-register' });
    expect(r.valid).toBe(false);
    const cx = r.counterexample!;
    expect(cx.initialState).toBe('nil');
    expect(cx.prefix.map((p) => [p.op.text, p.state])).toEqual([
      ['write 1', '1'],
      ['write 2', '2'],
      ['read -> 2', '2'],
    ]);
    expect(cx.op).toMatchObject({ process: 0, f: 'read', result: 1, call: 6, ret: 7 });
    expect(cx.pending.map((p) => p.text)).toEqual(['read -> 1']);
    expect(r.reason).toContain('read -> 1');
  });
  it('returns unknown with a reason when the time or memory budget runs out', () => {
    const { history } = readHistoryFile(
      new URL('fixtures/porcupine/kv/c50-ok.txt', import.meta.url).pathname,
    );
    const timed = checkHistory(history, { model: 'kv', timeoutMs: 0 });
    expect(timed.valid).toBe('unknown');
    expect(timed.reason).toContain('time budget');
    const small = checkHistory(history, { model: 'kv', maxCacheEntries: 100 });
    expect(small.valid).toBe('unknown');
    expect(small.reason).toContain('memory budget');
  });
  it('rejects an operation kind the model does not know', () => {
    expect(() => check('kv', [[0, 'invoke', 'read', null]])).toThrow(/does not know operation f="read"/);
  });
  it('knows every model by name, and each describes itself', () => {
    for (const name of MODEL_NAMES) expect(getModel(name).description.length).toBeGreaterThan(10);
    expect(() => getModel('nope')).toThrow(/unknown model/);
  });
});

/** The linearizability search's column store of a partition's operations. */
import { describe, expect, it } from 'vitest';
import { OpTable } from '../checkers/op-table.js';
import type { Operation } from '../checkers/types.js';

const op = (id: number, over: Partial<Operation> = {}): Operation => ({
  id,
  process: id % 3,
  f: id % 2 ? 'write' : 'read',
  key: undefined,
  value: id % 2 ? id : null,
  result: id % 2 ? undefined : 7,
  status: 'ok',
  call: 2 * id,
  ret: 2 * id + 1,
  ...over,
});

/** A table holding `ops`, pushed one by one as the stream checker does. */
function tableOf(ops: Operation[]): OpTable {
  const t = new OpTable();
  for (const o of ops) t.push(o);
  return t;
}

describe('OpTable', () => {
  it('gives back each operation as it was pushed, past its first capacity', () => {
    const ops = Array.from({ length: 3000 }, (_, i) =>
      op(i, i % 7 === 0 ? { status: 'info', ret: Number.POSITIVE_INFINITY, key: `k${i % 5}` } : {}),
    );
    const t = new OpTable(1);
    for (const o of ops) t.push(o);
    expect(t.length).toBe(3000);
    expect(t.all()).toStrictEqual(ops);
    expect(t.ret(7)).toBe(Number.POSITIVE_INFINITY);
    expect(t.call(9)).toBe(18);
  });

  it('sorts by id', () => {
    const t = tableOf([op(5), op(2), op(9), op(1)]);
    expect(
      t
        .sortedById()
        .all()
        .map((o) => o.id),
    ).toEqual([1, 2, 5, 9]);
  });

  it('holds equal values once, and gives each back as it was', () => {
    const ops = [
      op(1, { f: 'cas', value: ['0', '3'], result: ['0', '3'], process: 'nemesis' }),
      op(2, { f: 'cas', value: ['0', '3'], result: null, process: 4 }),
      op(3, { value: '0', result: 0, process: 5 }),
    ];
    const t = tableOf(ops);
    expect(t.all()).toStrictEqual(ops);
    // One array for the three equal ones; a string and a number that print alike stay apart.
    expect(t.get(0).value).toBe(t.get(1).value);
    expect(t.get(0).result).toBe(t.get(0).value);
    expect([t.get(2).value, t.get(2).result, t.get(0).process, t.get(1).process]).toStrictEqual([
      '0',
      0,
      'nemesis',
      4,
    ]);
    expect(t.sortedById().all()).toStrictEqual(ops);
  });

  it('refuses positions that are not history positions, rather than truncating them', () => {
    expect(() => tableOf([op(1, { call: 0.5 })])).toThrow(/history positions/);
    expect(() => tableOf([op(1, { ret: 2 ** 31 })])).toThrow(/history positions/);
  });
});

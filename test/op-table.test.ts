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

  it('refuses positions that are not history positions, rather than truncating them', () => {
    expect(() => tableOf([op(1, { call: 0.5 })])).toThrow(/history positions/);
    expect(() => tableOf([op(1, { ret: 2 ** 31 })])).toThrow(/history positions/);
  });
});

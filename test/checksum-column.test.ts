import { describe, expect, it } from 'vitest';
import { ChecksumColumn } from '../checkers/checksum-column.js';

describe('ChecksumColumn', () => {
  it('gives back every string it was given: hex, empty and any other, across growth and truncation', () => {
    const col = new ChecksumColumn();
    const given: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const s =
        i % 7 === 0
          ? ''
          : i % 11 === 0
            ? `other-${i}`
            : (i * 2654435761).toString(16).padStart(16, '0').slice(-16);
      col.push(s);
      given.push(s);
    }
    expect(Array.from({ length: col.length }, (_, i) => col.get(i))).toEqual(given);
    col.truncate(500);
    col.push('ffffffffffffffff');
    expect(col.length).toBe(501);
    expect(col.get(500)).toBe('ffffffffffffffff');
    expect(col.get(501)).toBeUndefined();
    expect(col.is(500, 'ffffffffffffffff')).toBe(true);
    expect(col.is(7, '')).toBe(true);
    expect(col.is(11, 'other-11')).toBe(true);
    expect(col.is(11, 'other-12')).toBe(false);
    expect(col.is(1, 'FFFFFFFFFFFFFFFF')).toBe(false);
    // Sixteen characters that are not all lowercase hex are any other string, kept as given.
    for (const s of ['ABCDEF0123456789', '0123456789abcdeg', '0123456/89abcdef']) col.push(s);
    expect([col.get(501), col.get(502), col.get(503)]).toEqual([
      'ABCDEF0123456789',
      '0123456789abcdeg',
      '0123456/89abcdef',
    ]);
    expect(col.is(501, 'abcdef0123456789')).toBe(false);
  });

  it('compares positions of two columns like their strings', () => {
    const a = new ChecksumColumn();
    const b = new ChecksumColumn();
    for (const s of ['0123456789abcdef', '', 'x', '0123456789abcdef']) a.push(s);
    for (const s of ['0123456789abcdef', '', 'x', '0123456789abcdee']) b.push(s);
    expect([0, 1, 2, 3].map((i) => a.same(i, b, i))).toEqual([true, true, true, false]);
    expect(a.same(1, b, 2)).toBe(false);
    expect(a.same(0, b, 9)).toBe(false);
  });
});

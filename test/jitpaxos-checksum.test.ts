/**
 * Log checksums travel between replicas and are stored with runs, so their values must not change from one
 * build to the next: these were computed by the string-building implementation the current one replaced.
 */
import { describe, expect, it } from 'vitest';
import { checksums, EMPTY_CHECKSUM, nextChecksum } from '../jitpaxos/checksum.js';
import type { Entry } from '../jitpaxos/messages.js';

const LOG: Entry[] = [
  { ts: 1, client: 'c1', req: 1, op: { f: 'write', key: 'x', value: '1' } },
  { ts: 1767225652821435, client: 'c114', req: 995, op: { f: 'read', key: 'x' } },
  { ts: 1767225652821436, client: 'c2', req: 7, op: { f: 'cas', key: 'k3', expected: null, value: 'v' } },
  { ts: 1767225652821437, client: 'c2', req: 8, op: { f: 'cas', key: 'k3', expected: 'v', value: 'wé✓' } },
  { ts: 1767225652821438, client: 'n1', req: 0, op: { f: 'write', key: '', value: '' } },
];

describe('log checksums', () => {
  it('keep their values: every op kind, a null expectation, non-ASCII and empty strings', () => {
    expect(checksums(LOG)).toEqual([
      EMPTY_CHECKSUM,
      'f1bb9d78af8e3e1e',
      'dbe71aa6f5f23146',
      'b3d801e416975a14',
      '174b0b2f7fbc5491',
      '87bdf5295b6afcef',
    ]);
  });

  it('keep their values for numbers a system may send: fractions, negatives, huge and unsafe integers', () => {
    // Operations of other systems may carry numbers where JIT Paxos carries strings; a checksum hashes String(n).
    const odd = [
      { ts: 1767225652821439.5, client: 'c3', req: 9, op: { f: 'write', key: 'x', value: 42 } },
      { ts: -5, client: 'c3', req: 10, op: { f: 'cas', key: 7, expected: -1, value: 0 } },
      { ts: 1e21, client: 'c3', req: 11, op: { f: 'read', key: 'x' } },
      { ts: 2 ** 60, client: 'c3', req: 12, op: { f: 'write', key: 'x', value: 1.25 } },
    ] as unknown as Entry[];
    expect(checksums(odd)).toEqual([
      EMPTY_CHECKSUM,
      'ab046b59a572ef56',
      'f0ec09c61ee0ccb5',
      'e18945ef960b1522',
      '9d61258fd3f22049',
    ]);
  });

  it('continue any previous checksum, not only the one made last', () => {
    // The chain's fast path starts from the last result; other starting points are read from their hex.
    const e = LOG[0]!;
    expect(nextChecksum('ABCDEF0123456789', e)).toBe(nextChecksum('abcdef0123456789', e));
    expect(nextChecksum('abc', e)).toBe('99ef2293af8e3e1e');
    const first = nextChecksum(EMPTY_CHECKSUM, e);
    nextChecksum('0123456789abcdef', LOG[1]!);
    expect(nextChecksum(EMPTY_CHECKSUM, e)).toBe(first);
    expect(nextChecksum(first, LOG[1]!)).toBe('dbe71aa6f5f23146');
  });

  it('tell apart entries whose fields would run together without separators', () => {
    const a: Entry = { ts: 1, client: 'c1', req: 12, op: { f: 'write', key: 'k', value: 'v' } };
    const b: Entry = { ts: 1, client: 'c11', req: 2, op: { f: 'write', key: 'k', value: 'v' } };
    expect(checksums([a])[1]).not.toBe(checksums([b])[1]);
  });
});

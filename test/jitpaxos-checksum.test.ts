/**
 * Log checksums travel between replicas and are stored with runs, so their values must not change from one
 * build to the next: these were computed by the string-building implementation the current one replaced.
 */
import { describe, expect, it } from 'vitest';
import { checksums, EMPTY_CHECKSUM } from '../jitpaxos/checksum.js';
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

  it('tell apart entries whose fields would run together without separators', () => {
    const a: Entry = { ts: 1, client: 'c1', req: 12, op: { f: 'write', key: 'k', value: 'v' } };
    const b: Entry = { ts: 1, client: 'c11', req: 2, op: { f: 'write', key: 'k', value: 'v' } };
    expect(checksums([a])[1]).not.toBe(checksums([b])[1]);
  });
});

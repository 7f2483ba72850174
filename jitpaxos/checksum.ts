/**
 * Log checksums. The spec's checksum is the whole log prefix; we send a rolling hash
 * h_i = H(h_{i-1} || entry_i) (NOTES §1), so two replicas agree on a checksum at index i exactly when they
 * (with overwhelming probability) hold the same prefix 1..i. Pure computation: no I/O.
 */
import type { Entry, KvOp } from './messages.js';

export const EMPTY_CHECKSUM = '0000000000000000';

function opText(op: KvOp): string {
  switch (op.f) {
    case 'read':
      return `r\u0000${op.key}`;
    case 'write':
      return `w\u0000${op.key}\u0000${op.value}`;
    case 'cas':
      return `c\u0000${op.key}\u0000${op.expected === null ? '\u0001' : `=${op.expected}`}\u0000${op.value}`;
  }
}

/** The bytes that identify an entry; NUL separators keep fields unambiguous. */
export function entryText(e: Entry): string {
  return `${e.ts}\u0000${e.client}\u0000${e.req}\u0000${opText(e.op)}`;
}

/**
 * The last checksum computed over each entry object, with the hash it continued. Entries are immutable and,
 * in one process (the simulator, a checker), shared by every log that holds them: replicas that agree on a
 * prefix, and a checker re-deriving their checksums, then hash each entry once instead of once each.
 */
const memo = new WeakMap<Entry, { prev: string; next: string }>();

/** Two independent 32-bit multiply-xorshift lanes over the previous hash and the entry: 64 bits of state. */
export function nextChecksum(prev: string, e: Entry): string {
  const m = memo.get(e);
  if (m !== undefined && m.prev === prev) return m.next;
  const next = computeChecksum(prev, e);
  memo.set(e, { prev, next });
  return next;
}

function computeChecksum(prev: string, e: Entry): string {
  let h1 = Number.parseInt(prev.slice(0, 8), 16) ^ 0x9e3779b9;
  let h2 = Number.parseInt(prev.slice(8, 16), 16) ^ 0x85ebca6b;
  const text = entryText(e);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x27d4eb2f);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0x165667b1);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** hashes[i] is the checksum of the prefix of length i; hashes[0] is the empty log's. */
export function checksums(log: readonly Entry[]): string[] {
  const out = [EMPTY_CHECKSUM];
  for (const e of log) out.push(nextChecksum(out[out.length - 1]!, e));
  return out;
}

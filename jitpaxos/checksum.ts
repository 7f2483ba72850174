/**
 * Log checksums. The spec's checksum is the whole log prefix; we send a rolling hash
 * h_i = H(h_{i-1} || entry_i) (NOTES §1), so two replicas agree on a checksum at index i exactly when they
 * (with overwhelming probability) hold the same prefix 1..i. Pure computation: no I/O.
 */
import type { Entry } from './messages.js';

export const EMPTY_CHECKSUM = '0000000000000000';

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

/** The two lanes while one checksum is computed (module state: a checksum is computed without re-entry). */
let h1 = 0;
let h2 = 0;

function mixChar(c: number): void {
  h1 = Math.imul(h1 ^ c, 0x01000193);
  h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  h2 ^= h2 >>> 15;
}

function mix(text: string): void {
  for (let i = 0; i < text.length; i++) mixChar(text.charCodeAt(i));
}

/**
 * nextChecksum without the memo: for a reader that keeps each checksum it needs itself (a checker over a long
 * run, where the memo would hold a pair of strings for every entry of the run).
 *
 * The hash after `prev` of the entry's text, fed field by field without building it (building and flattening
 * the string cost more than hashing it): `ts NUL client NUL req NUL op`, where op is `r NUL key`,
 * `w NUL key NUL value` or `c NUL key NUL (SOH | =expected) NUL value`; NUL separators keep fields
 * unambiguous. Replicas of different builds must agree on it: test/jitpaxos-checksum.test.ts pins its values.
 */
export function computeChecksum(prev: string, e: Entry): string {
  h1 = Number.parseInt(prev.slice(0, 8), 16) ^ 0x9e3779b9;
  h2 = Number.parseInt(prev.slice(8, 16), 16) ^ 0x85ebca6b;
  mix(String(e.ts));
  mixChar(0);
  mix(String(e.client));
  mixChar(0);
  mix(String(e.req));
  mixChar(0);
  const op = e.op;
  switch (op.f) {
    case 'read':
      mixChar(0x72); // r
      mixChar(0);
      mix(String(op.key));
      break;
    case 'write':
      mixChar(0x77); // w
      mixChar(0);
      mix(String(op.key));
      mixChar(0);
      mix(String(op.value));
      break;
    case 'cas':
      mixChar(0x63); // c
      mixChar(0);
      mix(String(op.key));
      mixChar(0);
      if (op.expected === null) mixChar(1);
      else {
        mixChar(0x3d); // =
        mix(String(op.expected));
      }
      mixChar(0);
      mix(String(op.value));
      break;
  }
  let a = h1;
  let b = h2;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b = Math.imul(b ^ (b >>> 16), 0x27d4eb2f);
  b = Math.imul(b ^ (b >>> 13), 0x165667b1);
  b ^= b >>> 16;
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** hashes[i] is the checksum of the prefix of length i; hashes[0] is the empty log's. */
export function checksums(log: readonly Entry[]): string[] {
  const out = [EMPTY_CHECKSUM];
  for (const e of log) out.push(nextChecksum(out[out.length - 1]!, e));
  return out;
}

/**
 * Log checksums. The spec's checksum is the whole log prefix; we send a rolling hash
 * h_i = H(h_{i-1} || entry_i) (NOTES §1), so two replicas agree on a checksum at index i exactly when they
 * (with overwhelming probability) hold the same prefix 1..i. Pure computation: no I/O.
 */
import type { Entry } from './messages.js';

export const EMPTY_CHECKSUM = '0000000000000000';

/** The two lanes while one checksum is computed (module state: a checksum is computed without re-entry). */
let h1 = 0;
let h2 = 0;

/**
 * The last checksum made and the lanes it seeds: a chain's next call starts from them instead of parsing its
 * hex back (in the simulator, most checksums continue the one made just before).
 */
let lastOut = '';
let lastH1 = 0;
let lastH2 = 0;

function mixChar(c: number): void {
  h1 = Math.imul(h1 ^ c, 0x01000193);
  h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  h2 ^= h2 >>> 15;
}

function mix(text: string): void {
  let a = h1;
  let b = h2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  h1 = a;
  h2 = b;
}

const DIGITS = new Uint8Array(16);

/** String(n)'s characters, without making the string when n is a safe non-negative integer (a timestamp). */
function mixNumber(n: number): void {
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) {
    mix(String(n));
    return;
  }
  let k = 0;
  do {
    const q = Math.floor(n / 10);
    DIGITS[k++] = 48 + (n - q * 10);
    n = q;
  } while (n > 0);
  while (k > 0) mixChar(DIGITS[--k]!);
}

function mixValue(v: unknown): void {
  if (typeof v === 'number') mixNumber(v);
  else mix(String(v));
}

const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/**
 * Two independent 32-bit multiply-xorshift lanes over the previous hash and the entry: 64 bits of state.
 *
 * The hash after `prev` of the entry's text, fed field by field without building it (building and flattening
 * the string cost more than hashing it): `ts NUL client NUL req NUL op`, where op is `r NUL key`,
 * `w NUL key NUL value` or `c NUL key NUL (SOH | =expected) NUL value`; NUL separators keep fields
 * unambiguous. Replicas of different builds must agree on it: test/jitpaxos-checksum.test.ts pins its values.
 */
export function nextChecksum(prev: string, e: Entry): string {
  if (prev === lastOut) {
    h1 = lastH1;
    h2 = lastH2;
  } else {
    h1 = Number.parseInt(prev.slice(0, 8), 16) ^ 0x9e3779b9;
    h2 = Number.parseInt(prev.slice(8, 16), 16) ^ 0x85ebca6b;
  }
  mixNumber(e.ts);
  mixChar(0);
  mix(e.client);
  mixChar(0);
  mixNumber(e.req);
  mixChar(0);
  const op = e.op;
  switch (op.f) {
    case 'read':
      mixChar(0x72); // r
      mixChar(0);
      mixValue(op.key);
      break;
    case 'write':
      mixChar(0x77); // w
      mixChar(0);
      mixValue(op.key);
      mixChar(0);
      mixValue(op.value);
      break;
    case 'cas':
      mixChar(0x63); // c
      mixChar(0);
      mixValue(op.key);
      mixChar(0);
      if (op.expected === null) mixChar(1);
      else {
        mixChar(0x3d); // =
        mixValue(op.expected);
      }
      mixChar(0);
      mixValue(op.value);
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
  // One flat string of 16 hex digits: concatenated pieces would be flattened again by the next call's reader.
  const out = String.fromCharCode(
    HEX[a >>> 28]!,
    HEX[(a >>> 24) & 15]!,
    HEX[(a >>> 20) & 15]!,
    HEX[(a >>> 16) & 15]!,
    HEX[(a >>> 12) & 15]!,
    HEX[(a >>> 8) & 15]!,
    HEX[(a >>> 4) & 15]!,
    HEX[a & 15]!,
    HEX[b >>> 28]!,
    HEX[(b >>> 24) & 15]!,
    HEX[(b >>> 20) & 15]!,
    HEX[(b >>> 16) & 15]!,
    HEX[(b >>> 12) & 15]!,
    HEX[(b >>> 8) & 15]!,
    HEX[(b >>> 4) & 15]!,
    HEX[b & 15]!,
  );
  lastOut = out;
  lastH1 = a ^ 0x9e3779b9;
  lastH2 = b ^ 0x85ebca6b;
  return out;
}

/** hashes[i] is the checksum of the prefix of length i; hashes[0] is the empty log's. */
export function checksums(log: readonly Entry[]): string[] {
  const out = [EMPTY_CHECKSUM];
  for (const e of log) out.push(nextChecksum(out[out.length - 1]!, e));
  return out;
}

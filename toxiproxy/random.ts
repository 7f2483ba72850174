/**
 * Deterministic randomness. Every random decision is derived from (seed, labels) rather than drawn from one shared
 * stream, so the outcome for "connection 7 of proxy r1->r2" does not depend on how traffic on other proxies interleaved.
 */

import { mulberry32 } from '../core/rng.js';

/** 32-bit FNV-1a over the labels, mixed with the seed. */
export function hashLabels(seed: number, ...labels: (string | number)[]): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  h = Math.imul(h, 0x01000193) >>> 0;
  for (const label of labels) {
    const s = String(label);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    // Separator, so ("ab","c") and ("a","bc") differ.
    h ^= 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: small, fast and good enough for jitter and slice sizes. Returns floats in [0, 1). */
export const prng = mulberry32;

/** One uniform draw in [0, 1) for the given labels. */
export function uniform(seed: number, ...labels: (string | number)[]): number {
  return prng(hashLabels(seed, ...labels))();
}

/** Integer in [0, n) from a generator; 0 when n <= 0 (Go's rand.Intn would panic there). */
export function intn(rand: () => number, n: number): number {
  return n > 0 ? Math.floor(rand() * n) : 0;
}

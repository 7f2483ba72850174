/**
 * The simulated network between replicas and clients. Every directed link has its own delay distribution
 * (a base latency plus an exponential tail, drawn from the seed when the world is made); links keep FIFO
 * order like the real TCP connections unless a chaos fault lets messages overtake each other. Faults cut
 * links (partitions), add latency, and drop or duplicate messages.
 */
import type { Rng } from '../core/rng.js';

export interface LinkProfile {
  /** Minimum one-way delay, microseconds. */
  baseUs: number;
  /** Mean of the exponential tail on top of the base, microseconds. */
  tailUs: number;
}

/** Link-level faults in force; set and cleared by the faults (sim/faults.ts). */
export interface Chaos {
  dropP: number;
  dupP: number;
  /** Messages may overtake each other (no per-link FIFO). */
  reorder: boolean;
  /** Extra mean delay (exponential), microseconds. */
  extraUs: number;
}

export const CALM: Chaos = { dropP: 0, dupP: 0, reorder: false, extraUs: 0 };

const key = (from: string, to: string) => `${from}>${to}`;

export class Network {
  private readonly profiles = new Map<string, LinkProfile>();
  /** Last scheduled delivery time per link, for FIFO order. */
  private readonly lastAt = new Map<string, number>();
  /**
   * Cut proxies, in the real topology's names (harness/topology.ts): `r1->r2` carries what r1 sends r2,
   * `client->r1` carries every client's requests to r1 and r1's replies, so the faults speak its language.
   */
  readonly cut = new Set<string>();
  /** Extra mean latency per proxy (the latency fault), microseconds. */
  readonly slow = new Map<string, number>();
  /** Extra delay (µs) on every link to or from a node: a slow machine (options.slowNodes). */
  readonly nodeDelayUs = new Map<string, number>();
  chaos: Chaos = CALM;
  /**
   * Resets so far by proxy (partition mode `reset` disables a proxy, which closes its connections): a message
   * in flight through a proxy reset since it was sent is lost with the connection.
   */
  private readonly resets = new Map<string, number>();
  stats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(private readonly rng: Rng) {}

  private profile(from: string, to: string): LinkProfile {
    const k = key(from, to);
    let p = this.profiles.get(k);
    if (!p) {
      // Loopback-like links with some spread between them: 50-300 µs base, 20-200 µs tail.
      p = { baseUs: 50 + this.rng.int(250), tailUs: 20 + this.rng.int(180) };
      this.profiles.set(k, p);
    }
    return p;
  }

  /**
   * When each copy of a message sent now from `from` to `to` through `proxy` arrives: [] if it is lost,
   * two times if duplicated.
   */
  deliveries(now: number, from: string, to: string, proxy: string): number[] {
    this.stats.sent++;
    if (this.cut.size > 0 && this.cut.has(proxy)) {
      this.stats.dropped++;
      return [];
    }
    const c = this.chaos;
    if (c.dropP > 0 && this.rng.next() < c.dropP) {
      this.stats.dropped++;
      return [];
    }
    const copies = c.dupP > 0 && this.rng.next() < c.dupP ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    const out: number[] = [];
    const k = key(from, to);
    for (let i = 0; i < copies; i++) {
      const p = this.profile(from, to);
      let d = p.baseUs + exp(this.rng, p.tailUs);
      if (this.nodeDelayUs.size > 0) d += (this.nodeDelayUs.get(from) ?? 0) + (this.nodeDelayUs.get(to) ?? 0);
      const slow = this.slow.size > 0 ? this.slow.get(proxy) : undefined;
      if (slow) d += slow * (0.5 + this.rng.next());
      if (c.extraUs > 0) d += exp(this.rng, c.extraUs);
      let at = Math.round(now + d);
      if (!c.reorder) {
        // TCP: nothing overtakes what was sent before it on the same connection.
        at = Math.max(at, this.lastAt.get(k) ?? 0);
        this.lastAt.set(k, at);
      }
      out.push(at);
    }
    return out;
  }

  /** How many times `proxy` was reset: a message sent now arrives only if this has not changed by then. */
  generation(proxy: string): number {
    return this.resets.size === 0 ? 0 : (this.resets.get(proxy) ?? 0);
  }

  /** The proxy closes its connections: what is in flight through it is lost (counted when it would arrive). */
  reset(proxy: string): void {
    this.resets.set(proxy, this.generation(proxy) + 1);
  }

  /** Whether a message sent through `proxy` at `generation` still arrives; counts it lost if not. */
  arrives(proxy: string, generation: number): boolean {
    if (this.generation(proxy) === generation) return true;
    this.stats.dropped++;
    return false;
  }

  /** A link's connection was reset (a peer restarted): nothing queued on it before now delays what follows. */
  resetLink(from: string, to: string): void {
    this.lastAt.delete(key(from, to));
  }
}

/** Exponential with the given mean. */
export function exp(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

/**
 * Where each request (client, req) first occurs in a replica's log, for the duplicate-request check. A
 * Map keyed by `${client}\0${req}` cost about 60 bytes per log entry per replica; a client's requests are
 * numbered upwards, so each client gets a growable array over its request numbers from the first one seen
 * (4 bytes an entry), and only odd numbers (not integers, or far below or above that range) use a Map.
 */
import type { LogEntry } from './types.js';

/** How far past a client's first request number its array may reach: beyond, the Map. */
const SPAN = 1 << 22;

interface Dense {
  base: number;
  /** Log position + 1 by req - base; 0 is "not seen". */
  at: Int32Array;
}

export class RequestIndex {
  private readonly dense = new Map<string, Dense>();
  private readonly other = new Map<string, number>();

  get(e: LogEntry): number | undefined {
    const d = this.dense.get(e.client);
    const off = d ? this.offset(d, e.req) : -1;
    if (off >= 0) {
      const v = off < d!.at.length ? d!.at[off]! : 0;
      return v === 0 ? undefined : v - 1;
    }
    return this.other.get(key(e));
  }

  set(e: LogEntry, position: number): void {
    let d = this.dense.get(e.client);
    if (!d && Number.isSafeInteger(e.req) && position < 0x7fffffff) {
      d = { base: e.req, at: new Int32Array(16) };
      this.dense.set(e.client, d);
    }
    const off = d ? this.offset(d, e.req) : -1;
    if (off < 0 || position >= 0x7fffffff) {
      this.other.set(key(e), position);
      return;
    }
    if (off >= d!.at.length) {
      const grown = new Int32Array(Math.min(SPAN, Math.max(off + 1, d!.at.length * 2)));
      grown.set(d!.at);
      d!.at = grown;
    }
    d!.at[off] = position + 1;
  }

  /** The request's place in the client's array, or -1 when it belongs in the Map. */
  private offset(d: Dense, req: number): number {
    if (!Number.isSafeInteger(req)) return -1;
    const off = req - d.base;
    return off >= 0 && off < SPAN ? off : -1;
  }
}

function key(e: LogEntry): string {
  return `${e.client}\u0000${e.req}`;
}

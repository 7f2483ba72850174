/**
 * One proxied TCP connection: a client socket, an upstream socket, and a Link per direction
 * (upstream = client -> server, downstream = server -> client), each running its own toxic chain.
 * As in Toxiproxy, when either direction ends (EOF, a toxic cutting it, a socket error) its destination is
 * closed outright, and the other direction then ends too: a half-close ends the whole connection.
 */
import type { Socket } from 'node:net';
import { hashLabels, prng, uniform } from './random.js';
import type { Sink, Stage, StageHost, ToxicDefinition } from './toxic.js';
import type { Direction, ToxicJson } from './toxic-spec.js';

/** Above this many bytes held inside toxics, stop reading the source (upstream blocks on its channels instead). */
const MAX_HELD = 1 << 20;

export interface ConnectionContext {
  seed: number;
  proxy: string;
  /** Accept order on this proxy: the key for per-connection random decisions. */
  index: number;
}

/** A toxic on a proxy, as the data path sees it. */
export interface ToxicEntry {
  json: ToxicJson;
  direction: Direction;
  def: ToxicDefinition;
  /**
   * Bumped whenever upstream would restart this toxic (it was updated, a toxic was added after it, or the one
   * after it removed): the stage lets go of held data and its toxicity is drawn again.
   */
  gen: number;
}

/** Is the toxic active on connection `index` at generation `gen`? A pure function of the seed, so runs reproduce. */
export function isToxicFor(seed: number, proxy: string, entry: ToxicEntry, index: number): boolean {
  const toxicity = entry.json.toxicity;
  if (toxicity >= 1) return true;
  if (toxicity <= 0) return false;
  return uniform(seed, 'toxicity', proxy, entry.json.name, index, entry.gen) < toxicity;
}

const DROP: Sink = { write: () => {}, end: () => {} };

interface Slot {
  entry: ToxicEntry;
  gen: number;
  /** null: the toxic is in the chain but inactive here (toxicity), so data passes it by. */
  stage: Stage | null;
}

class Link implements Sink {
  private head: Sink = this;
  /** Every toxic of this direction, in chain order. */
  private slots: Slot[] = [];
  private held = 0;
  private waitingDrain = false;
  /** The destination is closed or gone. */
  private done = false;
  private inputEnded = false;
  /** A removed timeout cut this link: the source is ignored from here on. */
  private cut = false;

  constructor(
    readonly direction: Direction,
    readonly src: Socket,
    readonly dest: Socket,
    private readonly conn: Connection,
  ) {
    src.on('data', (chunk: Buffer) => this.head.write(chunk));
    src.on('end', () => this.sourceEnded());
    dest.on('drain', () => {
      this.waitingDrain = false;
      this.maybeResume();
    });
  }

  sourceEnded(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.head.end(false);
  }

  destGone(): void {
    this.done = true;
  }

  // Sink at the end of the chain: the destination socket.
  write(chunk: Buffer): void {
    if (this.done) return;
    if (!this.dest.write(chunk)) {
      this.waitingDrain = true;
      this.src.pause();
    }
  }

  end(_terminate: boolean): void {
    if (this.done) return;
    this.done = true;
    const dest = this.dest;
    // Deliver what was let through, then close; the 'close' event ends the other direction.
    if (dest.destroyed || !dest.writable) dest.destroy();
    else dest.end(() => dest.destroy());
  }

  private host(entry: ToxicEntry): StageHost {
    const c = this.conn.ctx;
    return {
      hold: (n) => {
        this.held += n;
        if (this.held > MAX_HELD) this.src.pause();
      },
      release: (n) => {
        this.held -= n;
        this.maybeResume();
      },
      reset: () => this.conn.reset(),
      rand: prng(hashLabels(c.seed, 'stage', c.proxy, c.index, this.direction, entry.json.name, entry.gen)),
    };
  }

  private maybeResume(): void {
    if (!this.waitingDrain && this.held <= MAX_HELD && this.src.isPaused()) this.src.resume();
  }

  private create(entry: ToxicEntry): Stage | null {
    const c = this.conn.ctx;
    if (!isToxicFor(c.seed, c.proxy, entry, c.index)) return null;
    return entry.def.create(this.host(entry), entry.json.attributes, this);
  }

  /** Bring this link's chain in line with the proxy's toxics for this direction (in chain order). */
  sync(entries: ToxicEntry[]): void {
    if (this.cut) return;
    const kept = new Set(entries);
    const cutAt = this.slots.findIndex((s) => !kept.has(s.entry) && s.entry.def.closesOnRemove);
    if (cutAt >= 0) {
      this.cutAt(cutAt, kept);
      return;
    }
    // Removed toxics hand their held data on first (while their `next` is still right), then leave the chain.
    for (const s of this.slots) {
      if (kept.has(s.entry)) continue;
      s.stage?.flush();
      s.stage?.dispose();
    }
    const bySlot = new Map(this.slots.map((s) => [s.entry, s]));
    const slots: Slot[] = [];
    for (const entry of entries) {
      let slot = bySlot.get(entry);
      if (!slot) {
        slot = { entry, gen: entry.gen, stage: this.create(entry) };
      } else if (slot.gen !== entry.gen) {
        slot.gen = entry.gen;
        // Restarted: upstream draws toxicity again, and a running toxic lets go of what it holds.
        const c = this.conn.ctx;
        const active = isToxicFor(c.seed, c.proxy, entry, c.index);
        if (slot.stage && active) slot.stage.interrupt(entry.json.attributes);
        else if (slot.stage) {
          slot.stage.flush();
          slot.stage.dispose();
          slot.stage = null;
        } else if (active) slot.stage = this.create(entry);
      }
      slots.push(slot);
    }
    this.slots = slots;
    this.head = this.relink(slots);
  }

  /** Chain the active stages in order, ending in this sink; returns the head. */
  private relink(slots: Slot[]): Sink {
    let next: Sink = this;
    for (let i = slots.length - 1; i >= 0; i--) {
      const stage = slots[i]!.stage;
      if (stage) {
        stage.next = next;
        next = stage;
      }
    }
    return next;
  }

  /**
   * Removing a timeout closes the connection as upstream does: what sits before the toxic is dropped, what is
   * past it still drains, then the connection closes.
   */
  private cutAt(index: number, kept: Set<ToxicEntry>): void {
    this.cut = true;
    this.head = DROP;
    for (const s of this.slots.slice(0, index + 1)) s.stage?.dispose();
    const rest: Slot[] = [];
    for (const s of this.slots.slice(index + 1)) {
      if (kept.has(s.entry)) rest.push(s);
      else {
        s.stage?.flush();
        s.stage?.dispose();
      }
    }
    this.slots = rest;
    this.relink(rest).end(true);
  }

  dispose(): void {
    for (const s of this.slots) s.stage?.dispose();
  }
}

export class Connection {
  private readonly links: [Link, Link];
  private open = 2;
  private closed = false;

  constructor(
    readonly ctx: ConnectionContext,
    readonly client: Socket,
    readonly upstream: Socket,
    toxics: ToxicEntry[],
    private readonly onClose: (c: Connection) => void,
  ) {
    const up = new Link('upstream', client, upstream, this);
    const down = new Link('downstream', upstream, client, this);
    this.links = [up, down];
    this.sync(toxics);
    for (const s of [client, upstream]) {
      // 'close' follows every error; what matters is that the socket is gone.
      s.on('error', () => {});
      s.once('close', () => {
        for (const l of this.links) {
          if (l.src === s) l.sourceEnded();
          if (l.dest === s) l.destGone();
        }
        if (--this.open === 0) this.finish();
      });
    }
  }

  sync(toxics: ToxicEntry[]): void {
    if (this.closed) return;
    for (const l of this.links) l.sync(toxics.filter((t) => t.direction === l.direction));
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.links) l.dispose();
    this.onClose(this);
  }

  /** Close both sockets now (proxy disabled or deleted). */
  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  reset(): void {
    // RST instead of FIN, like upstream's SetLinger(0) + Close.
    for (const s of [this.client, this.upstream]) if (!s.destroyed) s.resetAndDestroy();
  }
}

/**
 * One proxied TCP connection: a client socket, an upstream socket, and a Link per direction
 * (upstream = client -> server, downstream = server -> client), each running its own toxic chain.
 */
import type { Socket } from 'node:net';
import { hashLabels, prng, uniform } from './random.js';
import { createStage, type Sink, type Stage, type StageHost } from './stages.js';
import type { Stream, ToxicJson } from './toxic-spec.js';

/** Above this many bytes held inside toxics, stop reading the source (upstream blocks on its channels instead). */
const MAX_HELD = 1 << 20;

export interface ConnectionContext {
  seed: number;
  proxy: string;
  /** Accept order on this proxy: the key for per-connection random decisions. */
  index: number;
}

/** Is `toxic` active on connection `index`? Decided from the seed alone, so a seed reproduces exactly. */
export function isToxicFor(seed: number, proxy: string, toxic: ToxicJson, index: number): boolean {
  if (toxic.toxicity >= 1) return true;
  if (toxic.toxicity <= 0) return false;
  return uniform(seed, 'toxicity', proxy, toxic.name, index) < toxic.toxicity;
}

class Link implements Sink {
  private head: Sink = this;
  /** Active stages in collection order. */
  private chain: { name: string; stage: Stage }[] = [];
  private held = 0;
  private waitingDrain = false;
  private ended = false;

  constructor(
    readonly direction: Stream,
    private readonly src: Socket,
    private readonly dest: Socket,
    private readonly conn: Connection,
  ) {
    src.on('data', (chunk: Buffer) => this.head.write(chunk));
    src.on('end', () => this.head.end(false));
    dest.on('drain', () => {
      this.waitingDrain = false;
      this.maybeResume();
    });
  }

  // Sink at the end of the chain: the destination socket.
  write(chunk: Buffer): void {
    if (this.ended) return;
    if (!this.dest.write(chunk)) {
      this.waitingDrain = true;
      this.src.pause();
    }
  }

  end(terminate: boolean): void {
    if (this.ended) return;
    this.ended = true;
    if (terminate) {
      // A toxic cut the link: deliver what was let through, then close the whole connection (as upstream does).
      this.dest.end(() => this.conn.destroy());
    } else {
      this.dest.end();
    }
  }

  private host(toxic: ToxicJson): StageHost {
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
      rand: prng(hashLabels(c.seed, 'stage', c.proxy, c.index, this.direction, toxic.name)),
    };
  }

  private maybeResume(): void {
    if (!this.waitingDrain && this.held <= MAX_HELD && this.src.isPaused()) this.src.resume();
  }

  /** Bring this link's chain in line with the proxy's toxics (ordered) for this direction. */
  sync(toxics: ToxicJson[]): void {
    const c = this.conn.ctx;
    const wanted = toxics.filter(
      (t) => t.stream === this.direction && isToxicFor(c.seed, c.proxy, t, c.index),
    );
    const byName = new Map(this.chain.map((e) => [e.name, e.stage]));
    const wantedNames = new Set(wanted.map((t) => t.name));
    // Removed toxics hand their held data on first (while their `next` is still right), then leave the chain.
    for (const e of this.chain) {
      if (!wantedNames.has(e.name)) {
        e.stage.flush();
        e.stage.dispose();
        byName.delete(e.name);
      }
    }
    const chain: { name: string; stage: Stage }[] = [];
    for (const t of wanted) {
      let stage = byName.get(t.name);
      if (stage) {
        if (stage.attrsOf() !== t.attributes) stage.update(t.attributes);
      } else {
        stage = createStage(t.type, this.host(t), t.attributes, this);
      }
      chain.push({ name: t.name, stage });
    }
    for (let i = 0; i < chain.length; i++) chain[i]!.stage.next = chain[i + 1]?.stage ?? this;
    this.chain = chain;
    this.head = chain[0]?.stage ?? this;
  }

  dispose(): void {
    for (const e of this.chain) e.stage.dispose();
  }
}

export class Connection {
  private readonly links: Link[];
  private closed = false;

  constructor(
    readonly ctx: ConnectionContext,
    readonly client: Socket,
    readonly upstream: Socket,
    toxics: ToxicJson[],
    private readonly onClose: (c: Connection) => void,
  ) {
    this.links = [
      new Link('upstream', client, upstream, this),
      new Link('downstream', upstream, client, this),
    ];
    this.sync(toxics);
    const done = () => this.destroy();
    // Either socket failing, or both finished, ends the connection.
    for (const s of [client, upstream]) {
      s.on('error', done);
      s.on('close', done);
    }
  }

  sync(toxics: ToxicJson[]): void {
    if (this.closed) return;
    for (const l of this.links) l.sync(toxics);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.links) l.dispose();
    this.client.destroy();
    this.upstream.destroy();
    this.onClose(this);
  }

  reset(): void {
    if (this.closed) return;
    // RST instead of FIN, like upstream's SetLinger(0) + Close.
    for (const s of [this.client, this.upstream]) if (!s.destroyed) s.resetAndDestroy();
    this.destroy();
  }
}

/**
 * One named proxy: a TCP listener, its live connections and its toxics (same lifecycle rules as Toxiproxy 2.x:
 * disabling closes the listener and every connection; a re-enabled proxy binds the address it had).
 */
import net from 'node:net';
import { LISTEN_BACKLOG } from '../core/listen.js';
import { formatHostPort, parseHostPort } from './address.js';
import { ApiError, ErrToxicNotFound } from './errors.js';
import { Connection, type ToxicEntry } from './link.js';
import { parseNewToxic, parseToxicUpdate, type ToxicJson } from './toxic-spec.js';
import { toxicDefinition } from './toxics/index.js';

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

/**
 * A listen address as upstream compares it (resolved, so "localhost:80" equals "127.0.0.1:80"). A malformed one
 * is a 500, as upstream's resolver error is.
 */
export function normalListen(listen: string): string {
  try {
    return formatHostPort(parseHostPort(listen || '127.0.0.1:0', 'listen'));
  } catch (e) {
    throw new ApiError(`address ${listen}: ${(e as Error).message.split(': ').pop()}`, 500);
  }
}

export class ToxicProxy {
  enabled = false;
  private server: net.Server | undefined;
  private readonly conns = new Set<Connection>();
  private readonly pending = new Set<net.Socket>();
  /** Insertion order; the API lists upstream toxics first, as upstream's per-direction chains do. */
  private toxics: ToxicEntry[] = [];
  private accepted = 0;

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly seed: number,
  ) {}

  async start(): Promise<void> {
    if (this.enabled) return;
    let where: { host: string; port: number };
    try {
      where = parseHostPort(this.listen, 'listen');
    } catch (e) {
      // Upstream's net.Listen error is not an API error, so it answers 500.
      throw new ApiError(
        `listen tcp: address ${this.listen}: ${(e as Error).message.split(': ').pop()}`,
        500,
      );
    }
    const { host, port } = where;
    // pauseOnConnect: client bytes wait in the kernel until the upstream connection exists.
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
    server.on('connection', (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ApiError(`listen tcp ${this.listen}: ${err.message}`, 500)));
      server.listen({ host, port, exclusive: true, backlog: LISTEN_BACKLOG }, () => resolve());
    });
    server.on('error', () => {});
    const addr = server.address() as net.AddressInfo;
    this.listen = formatHostPort({ host: addr.address, port: addr.port });
    this.server = server;
    this.enabled = true;
  }

  async stop(): Promise<void> {
    if (!this.enabled || !this.server) return;
    this.enabled = false;
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.pending) s.destroy();
    for (const c of this.conns) c.destroy();
    await closed;
  }

  private accept(client: net.Socket): void {
    const index = this.accepted++;
    client.setNoDelay(true);
    let up: net.Socket;
    try {
      const { host, port } = parseHostPort(this.upstream, 'upstream');
      up = net.connect({ host, port, allowHalfOpen: true, noDelay: true });
    } catch {
      client.destroy();
      return;
    }
    this.pending.add(client);
    const abort = () => {
      this.pending.delete(client);
      client.destroy();
      up.destroy();
    };
    client.once('error', abort);
    client.once('close', abort);
    up.once('error', abort);
    up.once('connect', () => {
      this.pending.delete(client);
      client.off('error', abort).off('close', abort);
      up.off('error', abort);
      if (!this.enabled || client.destroyed) return abort();
      const conn = new Connection(
        { seed: this.seed, proxy: this.name, index },
        client,
        up,
        this.toxics,
        (c) => this.conns.delete(c),
      );
      this.conns.add(conn);
      client.resume();
    });
  }

  /** Apply a PATCH/POST update: listen/upstream changes restart the proxy; `enabled` starts or stops it. */
  async update(input: { listen: string; upstream: string; enabled: boolean }): Promise<void> {
    if (normalListen(input.listen) !== this.listen || input.upstream !== this.upstream) {
      await this.stop();
      this.listen = input.listen;
      this.upstream = input.upstream;
    }
    if (input.enabled && !this.enabled) await this.start();
    if (!input.enabled && this.enabled) await this.stop();
  }

  toxicArray(): ToxicJson[] {
    return [
      ...this.toxics.filter((t) => t.direction === 'upstream'),
      ...this.toxics.filter((t) => t.direction === 'downstream'),
    ].map((t) => t.json);
  }

  private entry(name: string): ToxicEntry {
    const t = this.toxics.find((x) => x.json.name === name);
    if (!t) throw ErrToxicNotFound;
    return t;
  }

  getToxic(name: string): ToxicJson {
    return this.entry(name).json;
  }

  /** The toxic just before `entry` in its direction's chain, which upstream restarts when the chain changes. */
  private before(entry: ToxicEntry): ToxicEntry | undefined {
    const chain = this.toxics.filter((t) => t.direction === entry.direction);
    return chain[chain.indexOf(entry) - 1];
  }

  addToxic(body: unknown): ToxicJson {
    const { direction, ...json } = parseNewToxic(body, (name) =>
      this.toxics.some((t) => t.json.name === name),
    );
    const entry: ToxicEntry = { json, direction, def: toxicDefinition(json.type)!, gen: 0 };
    this.toxics.push(entry);
    const prev = this.before(entry);
    if (prev) prev.gen++;
    this.sync();
    return json;
  }

  updateToxic(name: string, body: unknown): ToxicJson {
    const entry = this.entry(name);
    entry.json = parseToxicUpdate(entry.json, body);
    entry.gen++;
    this.sync();
    return entry.json;
  }

  removeToxic(name: string): void {
    const entry = this.entry(name);
    const prev = this.before(entry);
    if (prev) prev.gen++;
    this.toxics = this.toxics.filter((t) => t !== entry);
    this.sync();
  }

  resetToxics(): void {
    this.toxics = [];
    this.sync();
  }

  private sync(): void {
    for (const c of this.conns) c.sync(this.toxics);
  }

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.toxicArray(),
    };
  }
}

/**
 * One named proxy: a TCP listener, its live connections and its toxics (same lifecycle rules as Toxiproxy 2.x:
 * disabling closes the listener and every connection; a re-enabled proxy binds the address it had).
 */
import net from 'node:net';
import { formatHostPort, parseHostPort } from './address.js';
import { ApiError, ErrToxicAlreadyExists, ErrToxicNotFound } from './errors.js';
import { Connection } from './link.js';
import { parseNewToxic, parseToxicUpdate, type ToxicJson } from './toxic-spec.js';

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export class ToxicProxy {
  enabled = false;
  private server: net.Server | undefined;
  private readonly conns = new Set<Connection>();
  private readonly pending = new Set<net.Socket>();
  /** Insertion order; the API lists upstream toxics first, as upstream's per-direction chains do. */
  private toxics: ToxicJson[] = [];
  private accepted = 0;

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly seed: number,
  ) {}

  async start(): Promise<void> {
    if (this.enabled) return;
    const { host, port } = parseHostPort(this.listen, 'listen');
    // pauseOnConnect: client bytes wait in the kernel until the upstream connection exists.
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
    server.on('connection', (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ApiError(`listen tcp ${this.listen}: ${err.message}`, 500)));
      server.listen({ host, port, exclusive: true }, () => resolve());
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
    for (const c of [...this.conns]) c.destroy();
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
    if (input.listen !== this.listen || input.upstream !== this.upstream) {
      parseHostPort(input.listen, 'listen');
      parseHostPort(input.upstream, 'upstream');
      await this.stop();
      this.listen = input.listen;
      this.upstream = input.upstream;
    }
    if (input.enabled && !this.enabled) await this.start();
    if (!input.enabled && this.enabled) await this.stop();
  }

  toxicArray(): ToxicJson[] {
    return [
      ...this.toxics.filter((t) => t.stream === 'upstream'),
      ...this.toxics.filter((t) => t.stream === 'downstream'),
    ];
  }

  getToxic(name: string): ToxicJson {
    const t = this.toxics.find((x) => x.name === name);
    if (!t) throw ErrToxicNotFound;
    return t;
  }

  addToxic(body: unknown): ToxicJson {
    const toxic = parseNewToxic(body);
    if (this.toxics.some((t) => t.name === toxic.name)) throw ErrToxicAlreadyExists;
    this.setToxics([...this.toxics, toxic]);
    return toxic;
  }

  updateToxic(name: string, body: unknown): ToxicJson {
    const updated = parseToxicUpdate(this.getToxic(name), body);
    this.setToxics(this.toxics.map((t) => (t.name === name ? updated : t)));
    return updated;
  }

  removeToxic(name: string): void {
    this.getToxic(name);
    this.setToxics(this.toxics.filter((t) => t.name !== name));
  }

  resetToxics(): void {
    this.setToxics([]);
  }

  private setToxics(toxics: ToxicJson[]): void {
    this.toxics = toxics;
    for (const c of this.conns) c.sync(toxics);
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

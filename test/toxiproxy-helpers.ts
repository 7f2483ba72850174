/**
 * Helpers for the Toxiproxy conformance suite: the servers under test, small TCP servers on loopback, and a client
 * socket that records what it sees. The suite runs against the embedded server always, and also against a real
 * `toxiproxy-server` when JITTER_REAL_TOXIPROXY names one (`.ci/run` builds and passes it). Only then: `npm test`
 * stays the same on every machine, whatever happens to be in a cache.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Proxy as ToxiProxy, Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startToxiproxy } from '../harness/toxiproxy-server.js';
import { startServer } from '../toxiproxy/server.js';

export type ServerKind = 'embedded' | 'real';
export const REAL_BINARY = process.env.JITTER_REAL_TOXIPROXY || undefined;
/** For describe.each: every server the suite runs against here. */
export const SERVERS: ServerKind[] = REAL_BINARY ? ['embedded', 'real'] : ['embedded'];

export interface UnderTest {
  url: string;
  client: Toxiproxy;
  embedded: boolean;
  close(): Promise<void>;
}

export async function serverUnderTest(kind: ServerKind = 'embedded', seed = 42): Promise<UnderTest> {
  if (kind === 'real') {
    if (!REAL_BINARY) throw new Error('JITTER_REAL_TOXIPROXY is not set');
    const h = await startToxiproxy(`bin:${REAL_BINARY}`);
    return { url: h.url, client: new Toxiproxy(h.url), embedded: false, close: () => h.stop() };
  }
  const s = await startServer({ port: 0, seed });
  return { url: s.url, client: new Toxiproxy(s.url), embedded: true, close: () => s.close() };
}

/** Delete every proxy, so each test starts clean (also on a shared real server). */
export async function clearProxies(t: UnderTest): Promise<void> {
  const all = await t.client.getAll();
  await Promise.all(Object.values(all).map((p) => p.remove()));
}

export interface Target {
  port: number;
  addr: string;
  sockets: net.Socket[];
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 with the given per-connection behaviour (default: echo). `allowHalfOpen` keeps its
 * side open after the client's FIN, to see what the proxy does with a half-close.
 */
export async function target(
  onConn: (s: net.Socket) => void = (s) => s.pipe(s),
  allowHalfOpen = false,
): Promise<Target> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ noDelay: true, allowHalfOpen }, (s) => {
    sockets.push(s);
    s.on('error', () => {});
    onConn(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    addr: `127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A client socket that records data (with arrival times), end, close and errors. */
export class Probe {
  readonly socket: net.Socket;
  readonly chunks: { at: number; data: Buffer }[] = [];
  /**
   * Taken just before connecting: nothing the proxy does for this connection (accept, start a toxic's timer) can
   * come earlier, however late this process sees the connect, so it is the safe origin for lower bounds.
   */
  readonly start: number;
  endedAt: number | undefined;
  closedAt: number | undefined;
  error: NodeJS.ErrnoException | undefined;
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket, start: number) {
    this.socket = socket;
    this.start = start;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.chunks.push({ at: performance.now(), data: d });
      this.poke();
    });
    socket.on('end', () => {
      this.endedAt = performance.now();
      this.poke();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.poke();
    });
    socket.on('close', () => {
      this.closedAt = performance.now();
      this.poke();
    });
  }

  static connect(listen: string): Promise<Probe> {
    const [host, port] = splitAddr(listen);
    return new Promise((resolve, reject) => {
      const start = performance.now();
      const s = net.connect({ host, port, allowHalfOpen: true });
      s.once('connect', () => resolve(new Probe(s, start)));
      s.once('error', reject);
    });
  }

  get text(): string {
    return Buffer.concat(this.chunks.map((c) => c.data)).toString();
  }
  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.data.length, 0);
  }

  private poke(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Wait until `cond` holds, or fail after `ms`. */
  async until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = performance.now() + ms;
    while (!cond()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function splitAddr(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Can we open a TCP connection to `addr` right now? */
export function canConnect(addr: string): Promise<boolean> {
  const [host, port] = splitAddr(addr);
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Raw HTTP to the API, for bodies and methods the client library does not expose. */
export async function raw(
  url: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; json: unknown; text: string; type: string | null }> {
  const res = await fetch(url + path, { method, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  const type = res.headers.get('content-type');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, type };
}

/**
 * One describe block's world: the server under test, and the targets, proxies (named `<prefix>_<n>`) and probes
 * its tests make, all cleaned up after each test.
 */
export function proxyWorld(kind: ServerKind, prefix: string) {
  let server: UnderTest | null = null;
  const targets: Target[] = [];
  const probes: Probe[] = [];
  let n = 0;
  beforeAll(async () => {
    server = await serverUnderTest(kind);
  });
  afterEach(async () => {
    for (const p of probes.splice(0)) p.destroy();
    if (server) await clearProxies(server);
    await Promise.all(targets.splice(0).map((x) => x.close()));
  });
  afterAll(() => server?.close());
  const world = {
    get t(): UnderTest {
      return server!;
    },
    async target(onConn?: Parameters<typeof target>[0], halfOpen = false): Promise<Target> {
      const tgt = await target(onConn, halfOpen);
      targets.push(tgt);
      return tgt;
    },
    async proxyTo(
      onConn?: Parameters<typeof target>[0],
      halfOpen = false,
    ): Promise<{ proxy: ToxiProxy; tgt: Target }> {
      const tgt = await world.target(onConn, halfOpen);
      const proxy = await world.t.client.createProxy({
        name: `${prefix}_${n++}`,
        listen: '127.0.0.1:0',
        upstream: tgt.addr,
      });
      return { proxy, tgt };
    },
    async probe(listen: string): Promise<Probe> {
      const p = await Probe.connect(listen);
      probes.push(p);
      return p;
    },
  };
  return world;
}

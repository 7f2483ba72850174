/**
 * The embedded Toxiproxy server: an HTTP API on loopback plus the proxies it manages.
 */
import { randomInt } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EMBEDDED_VERSION, handle, Registry } from './api.js';

export { EMBEDDED_VERSION };

export interface ServerOptions {
  /** Default 127.0.0.1: nothing listens on other interfaces unless asked. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Seed for toxicity, jitter and slicing decisions; random when absent (and then reported in `seed`). */
  seed?: number;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  seed: number;
  version: string;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const seed = opts.seed ?? randomInt(0, 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const registry = new Registry(seed);
  const server = http.createServer((req, res) => {
    void handle(registry, req, res);
  });
  // No idle timeout on kept-alive API connections, as Toxiproxy's Go server has none: a server-side idle close
  // races a client that reuses the connection at that instant (ECONNRESET, seen under load). close() ends
  // every connection itself.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? 8474, exclusive: true }, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    seed,
    version: EMBEDDED_VERSION,
    close() {
      closing ??= (async () => {
        await registry.closeAll();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** The line printed once listening, by `jitter toxiproxy` and main.ts; parseListeningLine in cli.ts reads it. */
export function listeningLine(s: { url: string; port: number; seed: number; version: string }): string {
  return `toxiproxy listening url=${s.url} port=${s.port} seed=${s.seed} version=${s.version}\n`;
}

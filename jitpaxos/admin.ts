/**
 * The replica's admin interface: plain HTTP on loopback, JSON bodies.
 *   GET  /status  -> status, view, logViewID, syncIndex, log length, head checksum, ...
 *   GET  /log     -> the full log with each entry's index and checksum
 *   GET  /log?from=N -> only the entries after the first N, and the checksum of those N (fromChecksum)
 *   POST /shutdown -> 202, then the replica stops cleanly
 */
import http from 'node:http';

export interface AdminProvider {
  status(): object;
  /** The log from entry `from` on (0: all of it). */
  log(from: number): object;
  shutdown(): void;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export function startAdmin(host: string, port: number, provider: AdminProvider): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    try {
      switch (route) {
        case 'GET /status':
          return send(200, provider.status());
        case 'GET /log': {
          const from = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('from') ?? 0);
          return send(200, provider.log(Number.isSafeInteger(from) && from > 0 ? from : 0));
        }
        case 'POST /shutdown':
          send(202, { shutting_down: true });
          // Let the response leave before the process tears itself down.
          res.on('finish', () => provider.shutdown());
          return;
        default:
          return send(404, { error: `no such endpoint: ${route}` });
      }
    } catch (err) {
      return send(500, { error: (err as Error).message });
    }
  });
  // Keep-alive sockets would hold close() open until they time out.
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

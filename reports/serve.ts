/**
 * `jitter serve`: the store over HTTP (index, reports, raw files), read-only. Binds loopback unless told
 * otherwise; never serves outside the store, symlinks included.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { escapeHtml } from './html.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  // Logs and histories are shown, not downloaded.
  '.jsonl': 'text/plain; charset=utf-8',
  '.edn': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StoreServer {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

function listing(urlPath: string, dir: string): string {
  const entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .map((e) =>
      e.isDirectory() || (e.isSymbolicLink() && isDir(path.join(dir, e.name))) ? `${e.name}/` : e.name,
    )
    .sort();
  const items = entries
    .map((name) => {
      const href = `./${encodeURIComponent(name.replace(/\/$/, ''))}${name.endsWith('/') ? '/' : ''}`;
      return `<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></li>`;
    })
    .join('\n');
  const title = escapeHtml(urlPath);
  return `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><ul><li><a href="../">../</a></li>\n${items}</ul>\n`;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function handler(storeDir: string): http.RequestListener {
  const root = fs.realpathSync(storeDir);
  return (req, res) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-cache');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(res, 400, 'bad path\n');
    }
    if (urlPath.includes('\0')) return send(res, 400, 'bad path\n');
    // Browsers ask for an icon the store does not have; say so without an error in their console.
    if (urlPath === '/favicon.ico' && !fs.existsSync(path.join(root, 'favicon.ico'))) {
      res.writeHead(204);
      return res.end();
    }
    let file: string;
    try {
      file = fs.realpathSync(path.join(root, path.normalize(urlPath)));
    } catch {
      return send(res, 404, 'not found\n');
    }
    // Links (store/latest) may point anywhere in the store, never out of it.
    if (file !== root && !file.startsWith(root + path.sep)) return send(res, 404, 'not found\n');
    const stat = fs.statSync(file);
    if (stat.isDirectory()) {
      if (!urlPath.endsWith('/')) {
        res.writeHead(301, { location: `${encodeURI(urlPath)}/` });
        return res.end();
      }
      const index = path.join(file, 'index.html');
      if (fs.existsSync(index)) file = index;
      else return send(res, 200, req.method === 'HEAD' ? '' : listing(urlPath, file), TYPES['.html']);
    }
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-length': fs.statSync(file).size });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  };
}

export async function serveStore(opts: {
  store: string;
  port?: number;
  host?: string;
}): Promise<StoreServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = http.createServer(handler(opts.store));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => resolve());
  });
  // Only once listening: an address that does not work leaves no store folder behind.
  fs.mkdirSync(opts.store, { recursive: true });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

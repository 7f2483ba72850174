/**
 * The HTTP API: routes, JSON bodies, status codes and error bodies of Toxiproxy 2.x.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiError,
  ErrBadRequestBody,
  ErrMissingField,
  ErrProxyAlreadyExists,
  ErrProxyNotFound,
} from './errors.js';
import { normalListen, type ProxyJson, ToxicProxy } from './proxy.js';

/** Reported by GET /version: the Toxiproxy API level we follow, tagged as jitter's. */
export const EMBEDDED_VERSION = '2.12.0+jitter.0.1.0';

const MAX_BODY = 1 << 20;
/** Byte for byte what upstream sends. */
const VERSION_BODY = `{"version": "${EMBEDDED_VERSION}"}\n`;
const TEXT = 'text/plain; charset=utf-8';

export class Registry {
  readonly proxies = new Map<string, ToxicProxy>();
  /** Serialises mutations: each one awaits listeners opening/closing and must not interleave with another. */
  private lock: Promise<unknown> = Promise.resolve();
  constructor(readonly seed: number) {}

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  get(name: string): ToxicProxy {
    const p = this.proxies.get(name);
    if (!p) throw ErrProxyNotFound;
    return p;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.stop()));
    this.proxies.clear();
  }
}

type Json = unknown;
interface Reply {
  status: number;
  body?: Json;
}

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(e instanceof Error ? e.message : String(e), 500);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(text: string): unknown {
  // Go's decoder reports an empty body as EOF.
  if (text.trim() === '') throw ApiError.join(ErrBadRequestBody, 'EOF');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw ApiError.join(ErrBadRequestBody, (e as Error).message);
  }
}

function stringField(body: Record<string, unknown>, key: string, fallback: string): string {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw ApiError.join(ErrBadRequestBody, `${key} must be a string`);
  return v;
}

function boolField(body: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw ApiError.join(ErrBadRequestBody, `${key} must be a boolean`);
  return v;
}

interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** Upstream checks only that name and upstream are present; a bad listen fails when it binds (500). */
function parseProxyInput(body: unknown, where = ''): ProxyInput {
  if (!isObject(body)) throw ApiError.join(ErrBadRequestBody, `expected a JSON object${where}`);
  const name = stringField(body, 'name', '');
  const upstream = stringField(body, 'upstream', '');
  // Empty listen means "any free port"; on loopback, not every interface as upstream would.
  const listen = stringField(body, 'listen', '') || '127.0.0.1:0';
  const enabled = boolField(body, 'enabled', true);
  if (name === '') throw ApiError.join(ErrMissingField, `name${where}`);
  if (upstream === '') throw ApiError.join(ErrMissingField, `upstream${where}`);
  return { name, listen, upstream, enabled };
}

async function createProxy(reg: Registry, body: unknown): Promise<Reply> {
  const input = parseProxyInput(body);
  if (reg.proxies.has(input.name)) throw ErrProxyAlreadyExists;
  const proxy = new ToxicProxy(input.name, input.listen, input.upstream, reg.seed);
  if (input.enabled) await proxy.start();
  reg.proxies.set(proxy.name, proxy);
  return { status: 201, body: proxy.toJSON() };
}

/**
 * POST /populate, as upstream: every entry is checked for name and upstream first, then each is added in turn,
 * replacing a proxy of the same name unless its addresses are the same (so a repeated name replaces the earlier
 * entry). The reply lists what was added, as `null` when that is nothing, also beside an error.
 */
async function populate(reg: Registry, readBody: () => unknown): Promise<Reply> {
  // Unlike other errors, these go out as application/json, with the list beside them.
  const failed = (err: ApiError, added: ToxicProxy[]): Reply => ({
    status: err.status,
    body: { ...err.toJSON(), proxies: listOrNull(added) },
  });
  let inputs: ProxyInput[];
  try {
    const body = readBody();
    if (body !== null && !Array.isArray(body)) {
      throw ApiError.join(ErrBadRequestBody, 'expected a JSON array of proxies');
    }
    inputs = (body ?? []).map((b: unknown, i: number) => parseProxyInput(b, ` at proxy ${i + 1}`));
  } catch (e) {
    return failed(asApiError(e), []);
  }
  const added: ToxicProxy[] = [];
  for (const input of inputs) {
    try {
      const existing = reg.proxies.get(input.name);
      if (
        existing &&
        existing.listen === normalListen(input.listen) &&
        existing.upstream === input.upstream
      ) {
        added.push(existing);
        continue;
      }
      if (existing) await existing.stop();
      const proxy = new ToxicProxy(input.name, input.listen, input.upstream, reg.seed);
      if (input.enabled) await proxy.start();
      reg.proxies.set(proxy.name, proxy);
      added.push(proxy);
    } catch (e) {
      return failed(asApiError(e), added);
    }
  }
  return { status: 201, body: { proxies: listOrNull(added) } };
}

/** Serialised after all the adding, as upstream does: an entry replaced later in the same request shows disabled. */
function listOrNull(proxies: ToxicProxy[]): ProxyJson[] | null {
  return proxies.length > 0 ? proxies.map((p) => p.toJSON()) : null;
}

async function updateProxy(reg: Registry, name: string, body: unknown): Promise<Reply> {
  const proxy = reg.get(name);
  if (!isObject(body)) throw ApiError.join(ErrBadRequestBody, 'expected a JSON object');
  await proxy.update({
    listen: stringField(body, 'listen', proxy.listen),
    upstream: stringField(body, 'upstream', proxy.upstream),
    enabled: boolField(body, 'enabled', proxy.enabled),
  });
  return { status: 200, body: proxy.toJSON() };
}

async function reset(reg: Registry): Promise<Reply> {
  for (const p of reg.proxies.values()) {
    await p.start();
    p.resetToxics();
  }
  return { status: 204 };
}

type Handler = (reg: Registry, params: string[], body: () => unknown) => Promise<Reply> | Reply;

/** Routes by path shape; each entry maps methods to handlers. */
const ROUTES: { pattern: RegExp; methods: Record<string, Handler> }[] = [
  { pattern: /^\/version$/, methods: { GET: () => ({ status: 200, body: VERSION_BODY }) } },
  { pattern: /^\/reset$/, methods: { POST: (reg) => reg.exclusive(() => reset(reg)) } },
  {
    pattern: /^\/populate$/,
    methods: { POST: (reg, _p, body) => reg.exclusive(() => populate(reg, body)) },
  },
  {
    pattern: /^\/proxies$/,
    methods: {
      GET: (reg) => {
        // Go marshals maps with sorted keys.
        const names = [...reg.proxies.keys()].sort();
        return { status: 200, body: Object.fromEntries(names.map((n) => [n, reg.get(n).toJSON()])) };
      },
      POST: (reg, _p, body) => reg.exclusive(() => createProxy(reg, body())),
    },
  },
  {
    pattern: /^\/proxies\/([^/]+)$/,
    methods: {
      GET: (reg, [name]) => ({ status: 200, body: reg.get(name!).toJSON() }),
      POST: (reg, [name], body) => reg.exclusive(() => updateProxy(reg, name!, body())),
      PATCH: (reg, [name], body) => reg.exclusive(() => updateProxy(reg, name!, body())),
      DELETE: (reg, [name]) =>
        reg.exclusive(async () => {
          const p = reg.get(name!);
          reg.proxies.delete(name!);
          await p.stop();
          return { status: 204 };
        }),
    },
  },
  {
    pattern: /^\/proxies\/([^/]+)\/toxics$/,
    methods: {
      GET: (reg, [name]) => ({ status: 200, body: reg.get(name!).toxicArray() }),
      POST: (reg, [name], body) => {
        const proxy = reg.get(name!);
        return { status: 200, body: proxy.addToxic(body()) };
      },
    },
  },
  {
    pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
    methods: {
      GET: (reg, [name, toxic]) => ({ status: 200, body: reg.get(name!).getToxic(toxic!) }),
      POST: (reg, [name, toxic], body) => ({ status: 200, body: reg.get(name!).updateToxic(toxic!, body()) }),
      PATCH: (reg, [name, toxic], body) => ({
        status: 200,
        body: reg.get(name!).updateToxic(toxic!, body()),
      }),
      DELETE: (reg, [name, toxic]) => {
        reg.get(name!).removeToxic(toxic!);
        return { status: 204 };
      },
    },
  },
];

/** Success bodies are compact JSON without a newline, as Go's json.Marshal writes them. */
function send(
  res: ServerResponse,
  status: number,
  body: Json | undefined,
  contentType = 'application/json',
): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** Errors as upstream's http.Error sends them: the JSON body and a newline, labelled text/plain. */
function sendError(res: ServerResponse, err: ApiError): void {
  const text = `${JSON.stringify(err.toJSON())}\n`;
  res
    .writeHead(err.status, {
      'Content-Type': TEXT,
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': Buffer.byteLength(text),
    })
    .end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(ApiError.join(ErrBadRequestBody, 'body too large'));
        req.destroy();
      } else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export async function handle(reg: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    // Upstream refuses browsers, so a web page cannot drive the API (CSRF).
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      return send(res, 403, 'User agent not allowed\n', TEXT);
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (!route) return send(res, 404, '404 page not found\n', TEXT);
    const handler = route.methods[req.method ?? ''];
    if (!handler) return send(res, 405, undefined);
    const params = (route.pattern.exec(path) ?? []).slice(1).map((s) => decodeURIComponent(s));
    const text = await readBody(req);
    const reply = await handler(reg, params, () => parseJson(text));
    send(
      res,
      reply.status,
      reply.body,
      reply.body === VERSION_BODY ? 'application/json;charset=utf-8' : undefined,
    );
  } catch (e) {
    sendError(res, asApiError(e));
  }
}

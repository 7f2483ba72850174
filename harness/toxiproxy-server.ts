/**
 * Choosing and owning the Toxiproxy server for a run: `--toxiproxy auto|embedded|URL|bin:PATH`.
 *   auto      toxiproxy-server from PATH if present, else embedded
 *   embedded  jitter's own server, as a child process (toxiproxy/main.js, as `jitter toxiproxy`) that dies with us
 *   URL       an already running server, used as is and never stopped
 *   bin:PATH  that toxiproxy-server binary, started and stopped by us
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { guardChild } from '../core/reaper.js';
import { allocatePorts } from '../core/topology.js';
import { parseListeningLine } from '../toxiproxy/cli.js';

export type ToxiproxyChoice =
  | { kind: 'auto' }
  | { kind: 'embedded' }
  | { kind: 'external'; url: string }
  | { kind: 'binary'; path: string };

export interface ToxiproxyHandle {
  url: string;
  kind: 'embedded' | 'binary' | 'external';
  /** As reported by the server's GET /version. */
  version: string;
  /** Binary path or embedded command, for the run's record. */
  command?: string;
  /** Seed passed to the server (the real server ignores it for reproducibility purposes). */
  seed?: number;
  /** Process id when we started the server (for memory figures). */
  pid?: number;
  stop(): Promise<void>;
}

export function parseToxiproxyChoice(value: string): ToxiproxyChoice {
  if (value === 'auto' || value === 'embedded') return { kind: value };
  if (value.startsWith('bin:')) {
    const p = value.slice(4);
    if (!p) throw new Error('--toxiproxy bin:PATH needs a path, e.g. bin:/usr/local/bin/toxiproxy-server');
    return { kind: 'binary', path: p };
  }
  if (/^https?:\/\//.test(value)) {
    try {
      return { kind: 'external', url: new URL(value).toString().replace(/\/$/, '') };
    } catch {
      /* fall through to the error below */
    }
  }
  throw new Error(
    `--toxiproxy must be auto, embedded, a URL (http://host:port) or bin:PATH; got ${JSON.stringify(value)}`,
  );
}

/** First executable `name` on PATH, if any. */
export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** dist/harness/cli.js, whether we run from dist/ or from the TypeScript sources (tests). */
export function embeddedCliPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.js')
    ? path.join(path.dirname(here), 'cli.js')
    : path.resolve(path.dirname(here), '../dist/harness/cli.js');
}

async function fetchVersion(url: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/version`, { signal: AbortSignal.timeout(1000) });
      const text = (await res.text()).trim();
      if (res.ok) {
        // 2.x answers {"version": "..."}; older releases answer the bare version.
        try {
          return String((JSON.parse(text) as { version?: unknown }).version ?? text);
        } catch {
          return text;
        }
      }
      last = new Error(`HTTP ${res.status}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no Toxiproxy answering at ${url}/version: ${(last as Error)?.message ?? last}`);
}

function stopper(child: ResultPromise): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await child.catch(() => {});
      clearTimeout(timer);
    })();
    return stopping;
  };
}

/** dist/toxiproxy/main.js: the embedded server alone, without the rest of the CLI (a third of the memory). */
export function embeddedServerPath(): string {
  return path.resolve(path.dirname(embeddedCliPath()), '../toxiproxy/main.js');
}

async function startEmbedded(seed: number | undefined): Promise<ToxiproxyHandle> {
  const cli = embeddedServerPath();
  const args = [cli, '--host', '127.0.0.1', '--port', '0', '--exit-with-parent'];
  if (seed !== undefined) args.push('--seed', String(seed));
  // stdin stays a pipe we never close: when this process dies, the child sees EOF and exits.
  const child = execa(process.execPath, args, {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
  });
  guardChild(child); // belt and braces: it exits on EOF itself
  const stop = stopper(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`embedded toxiproxy did not start in 10 s: ${err}`)),
      10_000,
    );
    child.stderr?.on('data', (d: Buffer) => (err += d));
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.catch((e: Error) => {
      clearTimeout(timer);
      reject(new Error(`embedded toxiproxy exited: ${err.trim() || e.message}`));
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  const info = parseListeningLine(line);
  if (!info) {
    await stop();
    throw new Error(`embedded toxiproxy printed an unexpected line: ${line}`);
  }
  return {
    url: info.url,
    kind: 'embedded',
    version: info.version,
    command: `node ${cli}`,
    seed: info.seed,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop,
  };
}

async function startBinary(bin: string, seed: number | undefined): Promise<ToxiproxyHandle> {
  const [port] = await allocatePorts(1);
  const args = ['-host', '127.0.0.1', '-port', String(port)];
  if (seed !== undefined) args.push('-seed', String(seed));
  const child = execa(bin, args, { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', buffer: false });
  // The real binary ignores its stdin: without the reaper it would outlive a SIGKILLed harness.
  guardChild(child);
  const stop = stopper(child);
  let exited: Error | undefined;
  child.catch((e: Error) => {
    exited = e;
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const version = await Promise.race([
      fetchVersion(url, 10_000),
      child.then(
        () => Promise.reject(new Error(`${bin} exited before serving`)),
        () => Promise.reject(exited ?? new Error(`${bin} failed to start`)),
      ),
    ]);
    return {
      url,
      kind: 'binary',
      version,
      command: bin,
      ...(seed === undefined ? {} : { seed }),
      ...(child.pid === undefined ? {} : { pid: child.pid }),
      stop,
    };
  } catch (e) {
    await stop();
    throw new Error(`could not start ${bin}: ${(e as Error).message}`);
  }
}

/** Start (or attach to) the chosen server. The caller owns `stop()`; for an external URL it does nothing. */
export async function startToxiproxy(
  choice: string | ToxiproxyChoice = 'auto',
  opts: { seed?: number; path?: string } = {},
): Promise<ToxiproxyHandle> {
  const c = typeof choice === 'string' ? parseToxiproxyChoice(choice) : choice;
  switch (c.kind) {
    case 'external':
      return { url: c.url, kind: 'external', version: await fetchVersion(c.url, 2000), stop: async () => {} };
    case 'binary':
      return startBinary(c.path, opts.seed);
    case 'embedded':
      return startEmbedded(opts.seed);
    case 'auto': {
      const bin = findOnPath('toxiproxy-server', opts.path);
      return bin ? startBinary(bin, opts.seed) : startEmbedded(opts.seed);
    }
  }
}

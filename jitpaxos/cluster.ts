/**
 * A local cluster of replica processes (execa): start, stop, kill, pause, resume, status and log dump per
 * node. `jitter cluster` runs one in the foreground; the harness drives one as its *db*.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { guardChild } from '../core/reaper.js';
import { allocatePorts } from '../core/topology.js';
import type { Mode } from './config.js';
import type { Address } from './replica.js';

export interface NodeSpec {
  id: string;
  listen: Address;
  admin: Address;
  /** The address this node dials for each peer (a proxy, under the harness). */
  peers: Record<string, Address>;
  dataDir: string;
  logFile: string;
}

export interface ClusterOptions {
  replicas: number;
  mode: Mode;
  flaws?: string[];
  fsync: boolean;
  /** Data dirs and logs go under here. */
  dir: string;
  host?: string;
  /** Extra environment per node (libfaketime, for instance). */
  env?: (id: string) => Record<string, string>;
  /** Extra replica CLI arguments (timing overrides, for instance). */
  extraArgs?: string[];
  /** Where each replica's output goes (default: <dir>/<id>/replica.log). */
  logFile?: (id: string) => string;
}

export interface NodeStatus {
  id: string;
  pid: number;
  status: string;
  view: number;
  primary: string | null;
  inQuorum: boolean;
  logViewID: number;
  syncIndex: number;
  logLength: number;
  headChecksum: string;
  [k: string]: unknown;
}

/** The built CLI, whether this module runs from dist/ or (under vitest) from the sources. */
export function cliPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..');
  const cli =
    path.basename(root) === 'dist'
      ? path.join(root, 'harness', 'cli.js')
      : path.join(root, 'dist', 'harness', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
  return cli;
}

export const replicaIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `r${i + 1}`);

/**
 * Choose ports and paths for n replicas that talk to each other directly; `peers` may route each
 * replica's links elsewhere afterwards (through proxies).
 */
export async function planCluster(opts: ClusterOptions): Promise<NodeSpec[]> {
  const host = opts.host ?? '127.0.0.1';
  const ids = replicaIds(opts.replicas);
  const ports = await allocatePorts(ids.length * 2, host);
  const listen = Object.fromEntries(ids.map((id, i) => [id, { host, port: ports[2 * i]! }]));
  return ids.map((id, i) => ({
    id,
    listen: listen[id]!,
    admin: { host, port: ports[2 * i + 1]! },
    peers: Object.fromEntries(ids.filter((p) => p !== id).map((p) => [p, listen[p]!])),
    dataDir: path.join(opts.dir, id, 'data'),
    logFile: opts.logFile?.(id) ?? path.join(opts.dir, id, 'replica.log'),
  }));
}

const fmt = (a: Address) => `${a.host}:${a.port}`;

export class LocalCluster {
  private readonly procs = new Map<string, ResultPromise>();
  private readonly paused = new Set<string>();
  /** Restarts per node, for the report. */
  readonly restarts = new Map<string, number>();
  /** Environment added to a node's process from its next start on (libfaketime, for the clock nemesis). */
  readonly env = new Map<string, Record<string, string>>();

  constructor(
    readonly opts: ClusterOptions,
    readonly nodes: NodeSpec[],
  ) {}

  static async create(opts: ClusterOptions): Promise<LocalCluster> {
    return new LocalCluster(opts, await planCluster(opts));
  }

  get ids(): string[] {
    return this.nodes.map((n) => n.id);
  }

  node(id: string): NodeSpec {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no replica ${id}`);
    return n;
  }

  pid(id: string): number | undefined {
    return this.procs.get(id)?.pid;
  }

  isRunning(id: string): boolean {
    return this.procs.has(id);
  }

  args(n: NodeSpec): string[] {
    const o = this.opts;
    return [
      cliPath(),
      'replica',
      '--id',
      n.id,
      '--listen',
      fmt(n.listen),
      ...Object.entries(n.peers).flatMap(([p, a]) => ['--peer', `${p}=${fmt(a)}`]),
      '--admin',
      fmt(n.admin),
      '--data-dir',
      n.dataDir,
      '--mode',
      o.mode,
      ...(o.flaws ?? []).flatMap((f) => ['--flaw', f]),
      ...(o.fsync ? [] : ['--no-fsync']),
      '--exit-with-parent',
      ...(o.extraArgs ?? []),
    ];
  }

  /** Start (or restart) a node and wait until its admin interface answers. */
  async start(id: string): Promise<void> {
    if (this.procs.has(id)) return;
    const n = this.node(id);
    fs.mkdirSync(path.dirname(n.logFile), { recursive: true });
    const child = execa(process.execPath, this.args(n), {
      // stdin stays an open pipe: when jitter dies, the replica sees EOF and exits (--exit-with-parent).
      stdin: 'pipe',
      stdout: { file: n.logFile, append: true },
      stderr: { file: n.logFile, append: true },
      reject: false,
      env: { ...this.opts.env?.(id), ...this.env.get(id) },
      extendEnv: true,
    });
    // A replica SIGSTOPped by the pause fault cannot see that EOF: the reaper SIGKILLs it if we die.
    guardChild(child);
    this.procs.set(id, child);
    void child.then(() => {
      if (this.procs.get(id) === child) this.procs.delete(id);
      this.paused.delete(id);
    });
    if (this.restarts.has(id)) this.restarts.set(id, this.restarts.get(id)! + 1);
    else this.restarts.set(id, 0);
    // Generous: on a busy 2-core machine, several replicas starting at once can take well over 10 s.
    await this.waitUntilUp(id, 30_000);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.start(id)));
  }

  private async waitUntilUp(id: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    let last: unknown;
    while (Date.now() < until) {
      if (!this.procs.has(id)) throw new Error(`replica ${id} exited during start-up:\n${this.logTail(id)}`);
      try {
        await this.status(id);
        return;
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new Error(
      `replica ${id} did not answer on its admin port within ${ms} ms (${String(last)}):\n${this.logTail(id)}`,
    );
  }

  /** The last lines a replica wrote to its log, for error messages. */
  logTail(id: string, lines = 15): string {
    const file = this.node(id).logFile;
    return fs.existsSync(file)
      ? fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
      : '(no output)';
  }

  private async signal(id: string, sig: NodeJS.Signals): Promise<boolean> {
    const p = this.procs.get(id);
    if (!p) return false;
    return p.kill(sig);
  }

  /** SIGKILL, and wait until the process is gone. Its data dir stays. */
  async kill(id: string): Promise<void> {
    const p = this.procs.get(id);
    if (!p) return;
    this.paused.delete(id);
    p.kill('SIGKILL');
    await p;
  }

  async pause(id: string): Promise<void> {
    if (await this.signal(id, 'SIGSTOP')) this.paused.add(id);
  }

  async resume(id: string): Promise<void> {
    if (await this.signal(id, 'SIGCONT')) this.paused.delete(id);
  }

  isPaused(id: string): boolean {
    return this.paused.has(id);
  }

  /** Graceful stop (SIGTERM), escalating to SIGKILL. */
  async stop(id: string, graceMs = 3000): Promise<void> {
    const p = this.procs.get(id);
    if (!p) return;
    if (this.paused.has(id)) await this.resume(id);
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    await p;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.stop(id)));
  }

  private async admin(id: string, what: 'status' | 'log', timeoutMs = 2000, query = ''): Promise<unknown> {
    const a = this.node(id).admin;
    const res = await fetch(`http://${fmt(a)}/${what}${query}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`replica ${id} /${what}: HTTP ${res.status}`);
    return res.json();
  }

  status(id: string, timeoutMs?: number): Promise<NodeStatus> {
    return this.admin(id, 'status', timeoutMs) as Promise<NodeStatus>;
  }

  /** The replica's log; with `from`, only the entries after the first `from` (see ReplicaProcess.logDump). */
  logDump(id: string, timeoutMs?: number, from = 0): Promise<NodeStatus & LogDumpFields> {
    return this.admin(id, 'log', timeoutMs, from > 0 ? `?from=${from}` : '') as Promise<
      NodeStatus & LogDumpFields
    >;
  }

  /** Client addresses of every replica (direct, without proxies). */
  clientAddresses(): Record<string, Address> {
    return Object.fromEntries(this.nodes.map((n) => [n.id, n.listen]));
  }
}

/** What /log adds to the status: the entries after `from` (its snapshot's index `base` at the least). */
export interface LogDumpFields {
  takenAt: number;
  log: unknown[];
  from?: number;
  fromChecksum?: string;
  /** Entries compacted into the replica's snapshot, and their prefix checksum (absent before checkpoints). */
  base?: number;
  baseChecksum?: string;
}

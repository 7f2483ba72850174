/**
 * Maelstrom nodes as a jitter db. Each node is a process speaking Maelstrom's protocol on stdin / stdout;
 * jitter routes its messages. Every node has an inbox (a TCP listener here in jitter): the proxies of the
 * links `a->b` and `client->b` lead to it, and what arrives there goes to b's stdin. What a node prints
 * goes to its destination: another node over the link's proxy, or a client back over the connection that
 * client opened to the sending node. So every partition, latency, kill, pause and clock fault applies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { parseHostPort } from '../../core/cli-util.js';
import type { Db, HostPort, NodeState } from '../../core/db.js';
import { guardChild } from '../../core/reaper.js';
import { type Body, LineSplitter, parseHello, parseMessage, splitCommand } from './protocol.js';

export interface MaelstromDbOptions {
  /** The node's command line, e.g. "python3 node.py". */
  bin: string;
  replicas: number;
  logFile: (node: string) => string;
  /** How long a node may take to answer `init`. */
  initTimeoutMs: number;
}

/** jitter's own address in `init` (clients are c1, c2, ...). */
const INIT_SRC = 'c0';

class Node {
  proc: ChildProcess | null = null;
  paused = false;
  initialized = false;
  env: Record<string, string> = {};
  /** Connections clients opened to this node's inbox, by client id: replies to them go back this way. */
  readonly clients = new Map<string, net.Socket>();
  constructor(
    readonly id: string,
    readonly inbox: net.Server,
    readonly address: HostPort,
  ) {}

  deliver(line: string): void {
    if (this.proc?.stdin?.writable) this.proc.stdin.write(`${line}\n`);
  }
}

/** The node-to-node link a->b: a connection to b's inbox through the proxy a->b, redialled after a loss. */
class Link {
  private socket: net.Socket | null = null;
  private connected = false;
  private queue: string[] = [];
  constructor(
    private readonly from: string,
    private readonly to: HostPort,
  ) {}

  send(line: string): void {
    if (this.socket && this.connected) {
      this.socket.write(`${line}\n`);
      return;
    }
    // Messages sent while the link is down wait for the dial, within reason; the network may drop them.
    if (this.queue.length < 10_000) this.queue.push(line);
    if (!this.socket) this.dial();
  }

  private dial(): void {
    const { host, port } = parseHostPort('link', this.to);
    const s = net.connect({ host, port });
    this.socket = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      s.write(`${JSON.stringify({ jitter: 'peer', id: this.from })}\n`);
      for (const l of this.queue.splice(0)) s.write(`${l}\n`);
    });
    s.on('data', () => {}); // peers send nothing back on a link
    const lost = () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.connected = false;
      this.queue = [];
    };
    s.on('error', lost);
    s.on('close', lost);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}

export class MaelstromDb implements Db {
  readonly name = 'maelstrom';
  readonly nodes: readonly string[];
  private readonly byId = new Map<string, Node>();
  private links = new Map<string, Link>();
  private peers: Record<string, Record<string, HostPort>> = {};
  private readonly sockets = new Set<net.Socket>();
  private msgId = 0;

  constructor(private readonly o: MaelstromDbOptions) {
    this.nodes = Array.from({ length: o.replicas }, (_, i) => `n${i + 1}`);
  }

  async plan(_dir: string): Promise<Record<string, HostPort>> {
    for (const id of this.nodes) {
      const inbox = net.createServer((s) => this.accept(id, s));
      await new Promise<void>((resolve, reject) => {
        inbox.once('error', reject);
        inbox.listen(0, '127.0.0.1', () => resolve());
      });
      const port = (inbox.address() as net.AddressInfo).port;
      this.byId.set(id, new Node(id, inbox, `127.0.0.1:${port}`));
    }
    return Object.fromEntries([...this.byId.values()].map((n) => [n.id, n.address]));
  }

  async setup(peers: Record<string, Record<string, HostPort>>): Promise<void> {
    this.peers = peers;
    await Promise.all(this.nodes.map((n) => this.start(n)));
  }

  private node(id: string): Node {
    const n = this.byId.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** A connection to node `id`'s inbox: its first line says whether a peer or a client is calling. */
  private accept(id: string, s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    s.setNoDelay(true);
    const node = this.node(id);
    let caller: string | null = null;
    const split = new LineSplitter((line) => {
      if (caller === null) {
        const hello = parseHello(line);
        if (!hello) return s.destroy();
        caller = hello.id;
        if (hello.jitter === 'client') {
          node.clients.get(caller)?.destroy();
          node.clients.set(caller, s);
          s.on('close', () => {
            if (node.clients.get(hello.id) === s) node.clients.delete(hello.id);
          });
        }
        return;
      }
      node.deliver(line);
    });
    s.on('data', (d) => split.push(d));
  }

  /** What node `from` printed: to a node over the link's proxy, or to a client on its connection here. */
  private route(from: string, line: string): void {
    const m = parseMessage(line);
    if (!m) return;
    if (m.dest === INIT_SRC && m.body.type === 'init_ok') {
      this.node(from).initialized = true;
      return;
    }
    if (this.byId.has(m.dest)) {
      const key = `${from}->${m.dest}`;
      let link = this.links.get(key);
      if (!link) {
        const to = this.peers[from]?.[m.dest];
        if (!to) return;
        link = new Link(from, to);
        this.links.set(key, link);
      }
      link.send(JSON.stringify(m));
      return;
    }
    this.node(from)
      .clients.get(m.dest)
      ?.write(`${JSON.stringify(m)}\n`);
  }

  async start(id: string): Promise<void> {
    const node = this.node(id);
    if (node.proc) return;
    const [cmd, ...args] = splitCommand(this.o.bin);
    const log = fs.openSync(this.o.logFile(id), 'a');
    const proc = spawn(cmd!, args, {
      stdio: ['pipe', 'pipe', log],
      env: { ...process.env, ...node.env },
    });
    fs.closeSync(log);
    guardChild(proc); // a node we SIGSTOPped would otherwise stay stopped forever if we died
    node.proc = proc;
    node.paused = false;
    node.initialized = false;
    proc.stdin!.on('error', () => {}); // a dead node's stdin: the message is lost, as on a network
    const split = new LineSplitter((line) => this.route(id, line));
    proc.stdout!.on('data', (d) => split.push(d));
    proc.on('exit', () => {
      if (node.proc === proc) {
        node.proc = null;
        node.paused = false;
        node.initialized = false;
      }
    });
    const spawned = await new Promise<Error | null>((resolve) => {
      proc.once('spawn', () => resolve(null));
      proc.once('error', (err) => resolve(err));
    });
    if (spawned) {
      node.proc = null; // never ran: nothing to kill at teardown
      throw new Error(`--bin ${this.o.bin}: cannot start: ${spawned.message}`);
    }
    const body: Body = { type: 'init', msg_id: ++this.msgId, node_id: id, node_ids: [...this.nodes] };
    node.deliver(JSON.stringify({ src: INIT_SRC, dest: id, body }));
    const until = Date.now() + this.o.initTimeoutMs;
    while (!node.initialized) {
      if (node.proc !== proc) throw new Error(`node ${id} (${this.o.bin}) exited before answering init`);
      if (Date.now() > until)
        throw new Error(`node ${id} (${this.o.bin}) did not answer init within ${this.o.initTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async kill(id: string): Promise<void> {
    const node = this.node(id);
    const proc = node.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
    for (const c of node.clients.values()) c.destroy();
  }

  async pause(id: string): Promise<void> {
    const node = this.node(id);
    if (node.proc && !node.paused) {
      node.proc.kill('SIGSTOP');
      node.paused = true;
    }
  }

  async resume(id: string): Promise<void> {
    const node = this.node(id);
    if (node.proc && node.paused) {
      node.proc.kill('SIGCONT');
      node.paused = false;
    }
  }

  async state(id: string): Promise<NodeState> {
    const node = this.node(id);
    const running = node.proc !== null;
    return {
      node: id,
      running,
      paused: node.paused,
      ...(running && !node.paused && node.initialized ? { status: { initialized: true } } : {}),
    };
  }

  pid(id: string): number | undefined {
    return this.byId.get(id)?.proc?.pid;
  }

  setEnv(id: string, env: Record<string, string>): void {
    this.node(id).env = env;
  }

  async teardown(): Promise<void> {
    for (const node of this.byId.values()) {
      if (node.paused) node.proc?.kill('SIGCONT');
      await this.kill(node.id);
    }
    for (const l of this.links.values()) l.close();
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      [...this.byId.values()].map((n) => new Promise((r) => n.inbox.close(() => r(undefined)))),
    );
  }
}

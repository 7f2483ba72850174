/**
 * TCP transport for JIT Paxos: outbound peer links, the replica's listener, and the client's connection.
 *
 * Every direction of every replica-to-replica link is its own TCP stream (a PeerLink only writes; the peer
 * answers over its own PeerLink), so a proxy per direction can cut or delay one direction alone. Nothing is
 * queued while a link is down: the protocol tolerates loss, and a queue would hide partitions and grow memory.
 * Only a link's very first connection attempt takes writes (the socket buffers them until it connects, as any
 * TCP client that writes right after connect): a new client's first request is not lost to its own setup.
 */
import net from 'node:net';
import { LISTEN_BACKLOG } from '../core/listen.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import type { Message } from './messages.js';
import { CLIENT_ACCEPTS, parseMessage } from './wire.js';

export type Log = (line: string) => void;

/** Frames written while a socket already holds this much unsent data are dropped (a stalled peer). */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Invalid messages logged per connection before going quiet (the rest are only counted). */
const INVALID_LOG_LIMIT = 5;

let nextConnId = 1;

/**
 * Writes frames, corking the socket for the rest of the tick on the first write so that frames produced in
 * one event-loop turn (a broadcast, a batch of replies) leave in one writev instead of one syscall each.
 */
function writeFrame(socket: net.Socket, frame: Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    process.nextTick(() => socket.uncork());
  }
  socket.write(frame);
}

function errText(e: unknown): string {
  return e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e);
}

interface ReconnectOptions {
  host: string;
  port: number;
  log: Log;
  /** For log lines, e.g. "peer r2" or "replica 127.0.0.1:7001". */
  name: string;
  minBackoffMs: number;
  maxBackoffMs: number;
  connectTimeoutMs: number;
  maxBufferedBytes: number;
  /** A connection counts as made (the backoff starts over) once it has stayed up this long. */
  stableMs: number;
}

/** A socket that reconnects with capped, jittered exponential backoff until close(). */
class Reconnecting {
  private socket: net.Socket | null = null;
  private up = false;
  private closedByUser = false;
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Frames not written because the link was down or stalled. */
  dropped = 0;
  /** Frames handed to the socket. */
  sent = 0;
  /** Successful connections so far (1 after the first connect). */
  connects = 0;

  constructor(
    private readonly o: ReconnectOptions,
    /** Makes the handler for incoming chunks of each new socket (fresh decoder state per connection). */
    private readonly makeReader: (socket: net.Socket) => (chunk: Buffer) => void,
    private readonly onState: (connected: boolean) => void,
  ) {
    this.connect();
  }

  get connected(): boolean {
    return this.up;
  }

  send(msg: object): boolean {
    const s = this.socket;
    const firstAttempt = this.connects === 0 && this.attempts === 0 && s?.connecting === true;
    if (
      (!this.up && !firstAttempt) ||
      s === null ||
      s.destroyed ||
      s.writableLength > this.o.maxBufferedBytes
    ) {
      this.dropped++;
      return false;
    }
    writeFrame(s, encodeFrame(msg));
    this.sent++;
    return true;
  }

  close(): void {
    this.closedByUser = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
  }

  private connect(): void {
    if (this.closedByUser) return;
    const s = net.connect({ host: this.o.host, port: this.o.port });
    this.socket = s;
    s.setNoDelay(true);
    let lastError = '';
    // A blackholed address (iptables DROP) would otherwise hang in SYN retries for minutes.
    const connectTimer = setTimeout(() => s.destroy(new Error('connect timeout')), this.o.connectTimeoutMs);
    const read = this.makeReader(s);
    s.on('data', read); // also keeps the stream flowing so a FIN from the peer is seen
    s.on('error', (e) => {
      lastError = errText(e);
    });
    // Through a proxy whose upstream is down, a connect succeeds and the proxy closes it at once. Were that a
    // made connection, the backoff would start over each time: reconnecting (and logging twice) every few ms
    // for as long as the peer is down. So the backoff starts over, and the log says so, once it stays up; a
    // series of such flaps logs its first loss only.
    let stable = false;
    let stableTimer: NodeJS.Timeout | undefined;
    s.once('connect', () => {
      clearTimeout(connectTimer);
      this.up = true;
      this.connects++;
      stableTimer = setTimeout(() => {
        stable = true;
        if (this.attempts > 0)
          this.o.log(`${this.o.name}: connected after ${this.attempts} failed attempt(s)`);
        this.attempts = 0;
      }, this.o.stableMs).unref();
      this.onState(true);
    });
    s.once('close', () => {
      clearTimeout(connectTimer);
      clearTimeout(stableTimer);
      if (this.socket === s) this.socket = null;
      const wasUp = this.up;
      this.up = false;
      if (wasUp) this.onState(false);
      if (wasUp && (stable || this.attempts === 0)) {
        this.o.log(`${this.o.name}: connection lost${lastError ? ` (${lastError})` : ''}`);
      } else if (!wasUp && this.attempts === 0) {
        this.o.log(`${this.o.name}: connect failed${lastError ? ` (${lastError})` : ''}; retrying`);
      }
      if (this.closedByUser) return;
      const base = Math.min(this.o.maxBackoffMs, this.o.minBackoffMs * 2 ** this.attempts);
      this.attempts++;
      // ±20% jitter so that replicas restarted together do not reconnect in lockstep.
      const delay = base * (0.8 + 0.4 * Math.random());
      this.timer = setTimeout(() => {
        this.timer = null;
        this.connect();
      }, delay);
    });
  }
}

export interface LinkOptions {
  host: string;
  port: number;
  log: Log;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Give up on a connection attempt after this long (default 1000 ms). */
  connectTimeoutMs?: number;
  /** A connection that closes sooner than this (default 250 ms) counts as a failed attempt. */
  stableMs?: number;
  maxBufferedBytes?: number;
}

function reconnectOptions(name: string, o: LinkOptions): ReconnectOptions {
  return {
    host: o.host,
    port: o.port,
    log: o.log,
    name,
    minBackoffMs: o.minBackoffMs ?? 10,
    maxBackoffMs: o.maxBackoffMs ?? 500,
    connectTimeoutMs: o.connectTimeoutMs ?? 1000,
    maxBufferedBytes: o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    stableMs: o.stableMs ?? 250,
  };
}

/** A reconnecting outbound connection and its counters: what PeerLink and ClientConnection share. */
abstract class ReconnectingLink {
  protected r!: Reconnecting;

  get connected(): boolean {
    return this.r.connected;
  }
  /** Messages dropped because the link was down or the peer stalled. */
  get dropped(): number {
    return this.r.dropped;
  }
  get sent(): number {
    return this.r.sent;
  }
  get connects(): number {
    return this.r.connects;
  }

  /** Sends one message if connected; returns false (and counts it as dropped) otherwise. */
  send(msg: object): boolean {
    return this.r.send(msg);
  }

  close(): void {
    this.r.close();
  }
}

/** The outbound, write-only connection from this replica to one peer. */
export class PeerLink extends ReconnectingLink {
  readonly peer: string;

  constructor(o: LinkOptions & { peer: string; onState?: (connected: boolean) => void }) {
    super();
    this.peer = o.peer;
    // Incoming bytes are read and discarded: the peer talks back over its own link.
    this.r = new Reconnecting(
      reconnectOptions(`link to ${o.peer}`, o),
      () => () => {},
      o.onState ?? (() => {}),
    );
  }
}

/** One client's connection to one replica; replies are validated against `allowed` (default: reply types). */
export class ClientConnection extends ReconnectingLink {
  /** Frames or messages received that were malformed or not allowed. */
  invalid = 0;

  constructor(
    o: LinkOptions & {
      onMessage: (msg: Message) => void;
      onInvalid?: (reason: string) => void;
      onState?: (connected: boolean) => void;
      allowed?: readonly string[];
    },
  ) {
    super();
    const name = `replica ${o.host}:${o.port}`;
    const allowed = o.allowed ?? CLIENT_ACCEPTS;
    const invalid = (reason: string) => {
      this.invalid++;
      if (this.invalid <= INVALID_LOG_LIMIT) o.log(`${name}: dropped invalid message: ${reason}`);
      o.onInvalid?.(reason);
    };
    this.r = new Reconnecting(
      reconnectOptions(name, o),
      (socket) => {
        const decoder = new FrameDecoder(
          (value) => {
            const r = parseMessage(value, allowed);
            if (r.ok) o.onMessage(r.msg);
            else invalid(r.error);
          },
          (err) => {
            invalid(err.reason);
            if (err.fatal) socket.destroy();
          },
        );
        return (chunk) => decoder.push(chunk);
      },
      o.onState ?? (() => {}),
    );
  }
}

/** An accepted connection, handed to onMessage so that replies can go back on it. */
export interface Conn {
  readonly id: number;
  /** "address:port" of the other end. */
  readonly remote: string;
  readonly closed: boolean;
  /** Frames not sent because the connection was closed or stalled. */
  readonly dropped: number;
  send(msg: object): boolean;
  close(): void;
}

class ServerConn implements Conn {
  readonly id = nextConnId++;
  readonly remote: string;
  closed = false;
  dropped = 0;
  invalid = 0;

  constructor(
    private readonly socket: net.Socket,
    private readonly maxBufferedBytes: number,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
  }

  send(msg: object): boolean {
    if (this.closed || this.socket.destroyed || this.socket.writableLength > this.maxBufferedBytes) {
      this.dropped++;
      return false;
    }
    writeFrame(this.socket, encodeFrame(msg));
    return true;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

export interface ListenerOptions {
  /** Called for each valid, allowed message. Exceptions propagate: a bug in the handler should crash loudly. */
  onMessage: (msg: Message, conn: Conn) => void;
  onInvalid?: (reason: string, conn: Conn) => void;
  onConnect?: (conn: Conn) => void;
  onClose?: (conn: Conn) => void;
  /** Message types accepted, e.g. REPLICA_ACCEPTS from wire.ts. */
  allowed: readonly string[];
  log: Log;
  maxBufferedBytes?: number;
}

export class Listener {
  private readonly conns = new Set<ServerConn>();
  /** Invalid frames or messages received over the listener's lifetime. */
  invalid = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly o: ListenerOptions,
  ) {
    server.on('connection', (socket) => this.accept(socket));
    // After listening, server errors (e.g. EMFILE on accept) are logged; they must not kill the replica.
    server.on('error', (e) => o.log(`listener: ${errText(e)}`));
  }

  static listen(host: string, port: number, o: ListenerOptions): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true });
      server.once('error', reject);
      server.listen({ host, port, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        resolve(new Listener(server, o));
      });
    });
  }

  address(): { host: string; port: number } {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** Number of open accepted connections. */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Stops accepting, destroys every accepted connection, and resolves once the server is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const c of this.conns) c.close();
    });
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const conn = new ServerConn(socket, this.o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES);
    this.conns.add(conn);
    const invalid = (reason: string) => {
      this.invalid++;
      conn.invalid++;
      if (conn.invalid <= INVALID_LOG_LIMIT) {
        this.o.log(`listener: dropped invalid message from ${conn.remote} (conn ${conn.id}): ${reason}`);
      }
      this.o.onInvalid?.(reason, conn);
    };
    const decoder = new FrameDecoder(
      (value) => {
        if (conn.closed) return;
        const r = parseMessage(value, this.o.allowed);
        if (r.ok) this.o.onMessage(r.msg, conn);
        else invalid(r.error);
      },
      (err) => {
        invalid(err.reason);
        if (err.fatal) conn.close();
      },
    );
    socket.on('data', (chunk) => decoder.push(chunk));
    socket.on('error', () => {}); // 'close' follows; resets from clients are routine
    socket.once('close', () => {
      conn.closed = true;
      this.conns.delete(conn);
      if (conn.invalid > INVALID_LOG_LIMIT) {
        this.o.log(
          `listener: conn ${conn.id} from ${conn.remote} closed after ${conn.invalid} invalid messages`,
        );
      }
      this.o.onClose?.(conn);
    });
    this.o.onConnect?.(conn);
  }
}

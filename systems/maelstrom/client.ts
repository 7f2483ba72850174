/**
 * A client of Maelstrom's lin-kv workload: `read`, `write` and `cas` (`from` / `to`) on keys, sent to the
 * nodes in turn through their client proxies. A reply may come from any node (one that forwarded the
 * request, or the one it was forwarded to), so the client keeps a connection to every node and matches
 * replies by `in_reply_to`. Errors map to fail (definite codes) or info (indefinite ones, timeouts).
 */
import net from 'node:net';
import { parseHostPort } from '../../core/cli-util.js';
import type { ClientOp, ClientOptions, ClientOutcome, DbClient, HostPort } from '../../core/db.js';
import { type Body, ERRORS, KEY_DOES_NOT_EXIST, LineSplitter, parseMessage } from './protocol.js';

/** jitter's workload operation as a lin-kv request body (without msg_id). */
export function toRequest(op: ClientOp): Body {
  const key = op.key ?? 'r';
  switch (op.f) {
    case 'read':
      return { type: 'read', key };
    case 'write':
      return { type: 'write', key, value: op.value };
    case 'cas': {
      const [from, to] = op.value as [unknown, unknown];
      return { type: 'cas', key, from, to };
    }
    default:
      throw new Error(`lin-kv has no operation "${op.f}"`);
  }
}

/** A lin-kv reply as jitter's outcome of `op`. */
export function toOutcome(op: ClientOp, reply: Body): ClientOutcome {
  if (reply.type === 'error') {
    const code = Number(reply.code);
    const known = ERRORS[code];
    const error = `${known?.name ?? `error ${code}`}${reply.text ? `: ${String(reply.text)}` : ''}`;
    // A read of a key nobody wrote sees the model's initial value (nil).
    if (op.f === 'read' && code === KEY_DOES_NOT_EXIST) return { type: 'ok', value: null };
    return known?.definite ? { type: 'fail', error } : { type: 'info', error };
  }
  if (reply.type !== `${op.f}_ok`) return { type: 'info', error: `unexpected reply ${reply.type}` };
  // A read returns the value read; writes and successful cas echo their argument, as in Jepsen.
  return { type: 'ok', value: op.f === 'read' ? (reply.value ?? null) : op.value };
}

interface Pending {
  op: ClientOp;
  resolve: (o: ClientOutcome) => void;
}

export class MaelstromClient implements DbClient {
  private readonly id: string;
  private readonly sockets = new Map<string, net.Socket>();
  private readonly pending = new Map<number, Pending>();
  private readonly nodes: string[];
  private next: number;
  private msgId = 0;
  private closed = false;

  constructor(private readonly o: ClientOptions) {
    // c0 is jitter's own address (init); a fresh id per process, so a retired process's replies go nowhere.
    this.id = `c${o.process + 1}`;
    this.nodes = Object.keys(o.addresses).sort();
    this.next = o.process % Math.max(1, this.nodes.length);
    for (const n of this.nodes) this.connect(n, o.addresses[n]!);
  }

  private connect(node: string, address: HostPort): net.Socket {
    const { host, port } = parseHostPort('address', address);
    const s = net.connect({ host, port });
    s.setNoDelay(true);
    this.sockets.set(node, s);
    s.write(`${JSON.stringify({ jitter: 'client', id: this.id })}\n`);
    const split = new LineSplitter((line) => {
      const m = parseMessage(line);
      const p = m?.body.in_reply_to === undefined ? undefined : this.pending.get(m.body.in_reply_to);
      if (!m || !p) return;
      this.pending.delete(m.body.in_reply_to!);
      p.resolve(toOutcome(p.op, m.body));
    });
    s.on('data', (d) => split.push(d));
    s.on('error', () => {});
    // A lost connection is redialled for the next request; replies in flight on it are lost (timeouts).
    s.on('close', () => {
      if (this.sockets.get(node) === s) this.sockets.delete(node);
    });
    return s;
  }

  invoke(op: ClientOp): Promise<ClientOutcome> {
    const node = this.nodes[this.next++ % this.nodes.length]!;
    const socket = this.sockets.get(node) ?? this.connect(node, this.o.addresses[node]!);
    const msgId = ++this.msgId;
    const body = { ...toRequest(op), msg_id: msgId };
    return new Promise<ClientOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        resolve({ type: 'info', error: `timeout after ${this.o.timeoutMs} ms` });
      }, this.o.timeoutMs);
      this.pending.set(msgId, {
        op,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      });
      socket.write(`${JSON.stringify({ src: this.id, dest: node, body })}\n`);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets.values()) s.destroy();
  }
}

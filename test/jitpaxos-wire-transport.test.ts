import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { JitClient } from '../jitpaxos/client.js';
import { encodeFrame } from '../jitpaxos/framing.js';
import type { ClientReply, ClientRequest, Heartbeat, Message } from '../jitpaxos/messages.js';
import {
  ClientConnection,
  type Conn,
  Listener,
  type ListenerOptions,
  PeerLink,
} from '../jitpaxos/transport.js';
import { CLIENT_ACCEPTS, REPLICA_ACCEPTS } from '../jitpaxos/wire.js';

const HOST = '127.0.0.1';

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function logs() {
  const lines: string[] = [];
  return { lines, log: (l: string) => lines.push(l) };
}

async function listen(
  port: number,
  o: Partial<ListenerOptions> & { got?: Message[] } = {},
): Promise<{ l: Listener; got: Message[]; lines: string[] }> {
  const got = o.got ?? [];
  const { lines, log } = logs();
  const l = await Listener.listen(HOST, port, {
    allowed: REPLICA_ACCEPTS,
    log,
    onMessage: (m) => got.push(m),
    ...o,
  });
  cleanup.push(() => l.close());
  return { l, got, lines };
}

function link(port: number, extra: Partial<ConstructorParameters<typeof PeerLink>[0]> = {}) {
  const { lines, log } = logs();
  const p = new PeerLink({ peer: 'r2', host: HOST, port, log, ...extra });
  cleanup.push(() => p.close());
  return { p, lines };
}

const hb = (viewID: number): Heartbeat => ({ type: 'Heartbeat', src: 'r1', viewID });

function rawFrame(bytes: Buffer | string): Buffer {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const h = Buffer.alloc(4);
  h.writeUInt32BE(b.length, 0);
  return Buffer.concat([h, b]);
}

async function rawSocket(port: number): Promise<net.Socket> {
  const s = net.connect({ host: HOST, port });
  await new Promise<void>((res, rej) => {
    s.once('connect', res);
    s.once('error', rej);
  });
  s.on('error', () => {});
  cleanup.push(() => s.destroy());
  return s;
}

describe('transport', () => {
  it('delivers 10,000 messages from a PeerLink to a Listener in order', async () => {
    const { l, got } = await listen(0);
    const { p } = link(l.address().port);
    await until(() => p.connected, 'link up');
    const N = 10_000;
    // Bursts over several ticks, so both the corked batches and tick boundaries are exercised.
    for (let i = 0; i < N; i++) {
      p.send(hb(i));
      if (i % 700 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => got.length >= N, `${N} messages`);
    expect(got.length).toBe(N);
    expect(got.every((m, i) => m.type === 'Heartbeat' && m.viewID === i)).toBe(true);
    expect(p.dropped).toBe(0);
    expect(p.sent).toBe(N);
  });

  it('drops invalid frames and messages but keeps the connection and keeps serving', async () => {
    const invalid: string[] = [];
    const { l, got, lines } = await listen(0, { onInvalid: (r) => invalid.push(r) });
    const port = l.address().port;
    const s = await rawSocket(port);
    s.write(
      Buffer.concat([
        rawFrame(Buffer.from([0xff, 0xfe, 0x00, 0x7b])), // not JSON
        rawFrame('{"type":"Heartbeat","src":'), // truncated JSON
        rawFrame('42'),
        rawFrame('{"type":"Nope"}'),
        rawFrame('{"type":"Heartbeat","src":"r1"}'), // missing viewID
        rawFrame(JSON.stringify({ type: 'ReconcileReply' })), // a reply type: not accepted by a replica
        encodeFrame(hb(7)),
      ]),
    );
    await until(() => got.length === 1, 'valid message after garbage');
    expect(got).toEqual([hb(7)]);
    expect(invalid).toHaveLength(6);
    expect(invalid.some((r) => /viewID/.test(r))).toBe(true);
    expect(invalid.some((r) => /unknown message type "Nope"/.test(r))).toBe(true);
    expect(lines.some((x) => x.includes('dropped invalid message'))).toBe(true);
    expect(s.destroyed).toBe(false);
    expect(l.connectionCount).toBe(1);

    // Unframed garbage: the length prefix reads as ~1.2 GB, a fatal framing error closing only that connection.
    const g = await rawSocket(port);
    const gClosed = new Promise<void>((r) => g.once('close', () => r()));
    g.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await gClosed;

    // The first connection and new ones still work.
    s.write(encodeFrame(hb(8)));
    const { p } = link(port);
    await until(() => p.connected, 'new link');
    p.send(hb(9));
    await until(() => got.length === 3, 'messages after the fatal error');
    expect(got.map((m) => (m as Heartbeat).viewID)).toEqual([7, 8, 9]);
  });

  it('PeerLink backs off, and logs once, while connections close as soon as they open (a proxy whose peer is down)', async () => {
    let accepts = 0;
    const server = net.createServer((sock) => {
      accepts++;
      sock.destroy();
    });
    await new Promise<void>((r) => server.listen(0, HOST, r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const { port } = server.address() as net.AddressInfo;
    const states: boolean[] = [];
    const { p, lines } = link(port, { maxBackoffMs: 40, onState: (c) => states.push(c) });
    await until(() => accepts >= 8 && !p.connected, 'eight short-lived connections');
    // Each one went up and down, but none stayed up: one line for the series, not two per connection.
    expect(states.filter((c) => c).length).toBeGreaterThanOrEqual(8);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('connection lost');
  });

  it('PeerLink reconnects after the listener restarts on the same port, counting drops while down', async () => {
    const got: Message[] = [];
    const first = await listen(0, { got });
    const port = first.l.address().port;
    const states: boolean[] = [];
    const { p, lines } = link(port, { maxBackoffMs: 50, onState: (c) => states.push(c) });
    await until(() => p.connected, 'link up');
    p.send(hb(1));
    await until(() => got.length === 1, 'first message');

    await first.l.close();
    await until(() => !p.connected, 'link down');
    for (let i = 0; i < 5; i++) expect(p.send(hb(100 + i))).toBe(false);
    expect(p.dropped).toBe(5);
    // Let a few reconnect attempts fail against the closed port.
    await new Promise((r) => setTimeout(r, 100));
    expect(p.connected).toBe(false);

    await listen(port, { got });
    await until(() => p.connected, 'link back up');
    expect(p.send(hb(2))).toBe(true);
    await until(() => got.length === 2, 'message after reconnect');
    expect(got.map((m) => (m as Heartbeat).viewID)).toEqual([1, 2]);
    expect(p.connects).toBe(2);
    expect(states).toEqual([true, false, true]);
    expect(lines.some((x) => x.includes('connection lost'))).toBe(true);
  });

  it('PeerLink drains bytes the peer sends back, so it sees the peer close and reconnects', async () => {
    let first = true;
    const { l, got } = await listen(0, {
      // ~2 MB towards the link, then a close: a link that did not read would never see the FIN behind it.
      onConnect: (c) => {
        if (!first) return;
        first = false;
        for (let i = 0; i < 20_000; i++) c.send({ type: 'Heartbeat', src: 'x'.repeat(90), viewID: i });
        setTimeout(() => c.close(), 100);
      },
    });
    const { p } = link(l.address().port);
    await until(() => p.connects === 2 && p.connected, 'reconnect after the peer closed');
    p.send(hb(1));
    await until(() => got.length === 1, 'message');
  });

  it('Conn.send replies reach a ClientConnection, which accepts only replies', async () => {
    let serverConn: Conn | undefined;
    const { l } = await listen(0, {
      onMessage: (m, conn) => {
        serverConn = conn;
        if (m.type !== 'ClientRequest') return;
        const reply: ClientReply = {
          type: 'ClientReply',
          src: 'r1',
          client: m.client,
          reqID: m.reqID,
          reqViewID: m.viewID,
          viewID: m.viewID,
          succeeded: true,
          index: m.reqID,
          checksum: 'c',
          ts: m.ts,
        };
        // A peer message on a client connection must be dropped by the client, the reply still delivered.
        conn.send(hb(1));
        conn.send(reply);
      },
    });
    const replies: Message[] = [];
    const invalid: string[] = [];
    const { log } = logs();
    const c = new ClientConnection({
      host: HOST,
      port: l.address().port,
      log,
      onMessage: (m) => replies.push(m),
      onInvalid: (r) => invalid.push(r),
    });
    cleanup.push(() => c.close());
    const req = (i: number): ClientRequest => ({
      type: 'ClientRequest',
      client: 'c1',
      viewID: 1,
      reqID: i,
      ts: i,
      born: i,
      op: { f: 'read', key: 'k' },
    });
    // Written during the first connection attempt: the socket holds it until it connects.
    expect(c.connected).toBe(false);
    expect(c.send(req(0))).toBe(true);
    await until(() => c.connected, 'client connected');
    for (let i = 1; i <= 50; i++) expect(c.send(req(i))).toBe(true);
    await until(() => replies.length === 51, '51 replies');
    expect(replies.map((r) => (r as ClientReply).reqID)).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(c.dropped).toBe(0);
    expect(invalid).toHaveLength(51);
    expect(invalid[0]).toBe('message type Heartbeat not accepted here');
    expect(c.invalid).toBe(51);
    expect(CLIENT_ACCEPTS).toContain('ClientReply');

    // After the listener goes away, the server side Conn is closed and drops sends.
    await l.close();
    expect(serverConn?.closed).toBe(true);
    expect(serverConn?.send(hb(2))).toBe(false);
    expect(serverConn?.dropped).toBe(1);
    await until(() => !c.connected, 'client sees disconnect');
  });
  it("JitClient.open waits for every replica's connection, and stops waiting at the operation timeout", async () => {
    const up = await Promise.all([0, 0, 0].map(() => listen(0)));
    const replicas = Object.fromEntries(
      up.map((u, i) => [`r${i + 1}`, { host: HOST, port: u.l.address().port }]),
    );
    for (const u of up) cleanup.push(() => u.l.close());
    // A timeout far beyond the test's own: open must resolve because the connections are up.
    const c = new JitClient({ id: 'o1', replicas, mode: 'fixed', timeoutMs: 600_000 });
    cleanup.push(() => c.close());
    await c.open();
    await until(() => up.every((u) => u.l.connectionCount === 1), 'every listener to see the client');
    // A replica nobody listens for (a port just closed): open gives up after the timeout instead of hanging.
    const gone = await listen(0);
    const port = gone.l.address().port;
    await gone.l.close();
    const d = new JitClient({
      id: 'o2',
      replicas: { ...replicas, r3: { host: HOST, port } },
      mode: 'fixed',
      timeoutMs: 200,
    });
    cleanup.push(() => d.close());
    await d.open();
  });
});

/**
 * bench:sut — committed operations per second and latency of the real replica processes on loopback,
 * beside the bare round trip of the same framed messages measured in the same run.
 * One line per configuration: replicas=3 clients=16 fsync=off ops_per_s=... p50_ms=... p99_ms=... rtt_p50_ms=...
 * With etcd installed (Debian etcd-server), each 3-replica row is followed by the same load on 3 etcd members
 * (anchor=etcd ...) and the jitpaxos/etcd ratios.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { JitClient } from '../client.js';
import { LocalCluster } from '../cluster.js';
import type { ClientReply } from '../messages.js';
import { ClientConnection } from '../transport.js';
import { etcdAvailable, etcdLoad, startEtcd } from './etcd.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Closed-loop round trips of request/reply-sized frames to an echo server in another process (as replicas
 * are), over the same transport, `inFlight` at a time: the bare loopback round trip the protocol is held to.
 */
async function bareRtt(inFlight: number, ms: number): Promise<{ p50: number; perSec: number }> {
  const echo = execa(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'echo.js')], {
    stdin: 'pipe',
    stdout: 'pipe',
    buffer: false,
  });
  const port = await new Promise<number>((resolve, reject) => {
    echo.stdout!.once('data', (d: Buffer) => {
      const m = /port=(\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
      else reject(new Error(`echo server said: ${d.toString()}`));
    });
  });
  const lat: number[] = [];
  const sentAt = new Map<number, number>();
  let seq = 1;
  const until = performance.now() + ms;
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const conn: ClientConnection = new ClientConnection({
    host: '127.0.0.1',
    port,
    log: () => {},
    onMessage: (msg) => {
      const id = (msg as ClientReply).reqID;
      const t = sentAt.get(id);
      if (t === undefined) return;
      sentAt.delete(id);
      lat.push(performance.now() - t);
      if (performance.now() < until) sendOne();
      else if (sentAt.size === 0) finish();
    },
    onState: (up) => {
      if (up) for (let i = 0; i < inFlight; i++) sendOne();
    },
  });
  function sendOne(): void {
    const id = seq++;
    sentAt.set(id, performance.now());
    conn.send({
      type: 'ClientRequest',
      client: 'bench',
      viewID: 1,
      reqID: id,
      ts: id,
      born: id,
      op: { f: 'write', key: 'k', value: 'v' },
    });
  }
  await finished;
  conn.close();
  echo.kill();
  await echo.catch(() => {});
  lat.sort((a, b) => a - b);
  return { p50: quantile(lat, 0.5), perSec: lat.length / (ms / 1000) };
}

interface Row {
  opsPerS: number;
  p50: number;
}

async function runConfig(replicas: number, clients: number, fsync: boolean, rttP50: number): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-bench-'));
  const cluster = await LocalCluster.create({ replicas, mode: 'fixed', fsync, dir });
  await cluster.startAll();
  // Let peer links connect before measuring.
  await new Promise((r) => setTimeout(r, 300));
  const lat: number[] = [];
  let ok = 0;
  let other = 0;
  const ms = SECONDS * 1000;
  const warmup = 300;
  const t0 = performance.now();
  const until = t0 + warmup + ms;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const c = new JitClient({
        id: `b${i}`,
        replicas: cluster.clientAddresses(),
        mode: 'fixed',
        timeoutMs: 2000,
      });
      let n = 0;
      while (performance.now() < until) {
        const start = performance.now();
        const r = await c.write(`k${i}`, String(n++));
        if (start < t0 + warmup) continue;
        if (r.type === 'ok') {
          ok++;
          lat.push(performance.now() - start);
        } else other++;
      }
      c.close();
    }),
  );
  await cluster.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  const p50 = quantile(lat, 0.5);
  console.log(
    [
      `replicas=${replicas}`,
      `clients=${clients}`,
      `fsync=${fsync ? 'on' : 'off'}`,
      `ops_per_s=${(ok / SECONDS).toFixed(0)}`,
      `not_ok=${other}`,
      `p50_ms=${p50.toFixed(3)}`,
      `p99_ms=${quantile(lat, 0.99).toFixed(3)}`,
      `rtt_p50_ms=${rttP50.toFixed(3)}`,
      `p50_over_rtt=${(p50 / rttP50).toFixed(2)}`,
    ].join(' '),
  );
  return { opsPerS: ok / SECONDS, p50 };
}

/** The same load against 3 etcd members, and the jitpaxos/etcd ratios. */
async function etcdAnchor(clients: number, fsync: boolean, jit: Row): Promise<void> {
  const etcd = await startEtcd(3, fsync);
  const r = await etcdLoad(etcd.clientUrls, clients, SECONDS * 1000, 300);
  await etcd.stop();
  r.lat.sort((a, b) => a - b);
  const opsPerS = r.ok / SECONDS;
  const p50 = quantile(r.lat, 0.5);
  console.log(
    [
      'anchor=etcd replicas=3',
      `clients=${clients}`,
      `fsync=${fsync ? 'on' : 'off'}`,
      `ops_per_s=${opsPerS.toFixed(0)}`,
      `not_ok=${r.notOk}`,
      `p50_ms=${p50.toFixed(3)}`,
      `p99_ms=${quantile(r.lat, 0.99).toFixed(3)}`,
      `jitpaxos_over_etcd_ops=${(jit.opsPerS / opsPerS).toFixed(2)}`,
      `jitpaxos_over_etcd_p50=${(jit.p50 / p50).toFixed(2)}`,
    ].join(' '),
  );
}

async function main(): Promise<void> {
  const rtt1 = await bareRtt(1, 1000);
  const rtt16 = await bareRtt(16, 1000);
  console.log(
    `baseline=loopback_rtt in_flight=1 rtt_p50_ms=${rtt1.p50.toFixed(3)} rtt_per_s=${rtt1.perSec.toFixed(0)}`,
  );
  console.log(
    `baseline=loopback_rtt in_flight=16 rtt_p50_ms=${rtt16.p50.toFixed(3)} rtt_per_s=${rtt16.perSec.toFixed(0)}`,
  );
  const only = process.env.BENCH_ONLY; // e.g. "3x16off" to run one configuration
  const withEtcd = etcdAvailable();
  if (!withEtcd) console.log('anchor=etcd skipped: etcd not installed (apt-get install etcd-server)');
  for (const replicas of [3, 5]) {
    for (const clients of [1, 16]) {
      for (const fsync of [false, true]) {
        const key = `${replicas}x${clients}${fsync ? 'on' : 'off'}`;
        if (only && only !== key) continue;
        const row = await runConfig(replicas, clients, fsync, clients === 1 ? rtt1.p50 : rtt16.p50);
        if (replicas === 3 && withEtcd) await etcdAnchor(clients, fsync, row);
      }
    }
  }
}

await main();

/**
 * `npm run bench:proxy`: small framed request/response messages over loopback, direct vs through the embedded
 * proxy (run as its own process, as the harness runs it), with 1 and 16 in flight. One key=value line per
 * configuration; proxied figures also as ratios to the direct baseline measured in the same run. A minimal
 * `pipe()` proxy (also its own process) is measured too, as the floor any Node proxy hop costs on this machine.
 * Configurations are interleaved in short rounds so that load from other processes hits them alike.
 *   BENCH_SECONDS (default 3) sets the measuring time per configuration.
 */

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxy } from '../toxiproxy-server.js';

const PAYLOAD = 100;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP_MS = 200;
const ROUNDS = 3;

/** The floor: a bare pipe() proxy with setNoDelay, no API, no toxics. */
async function startPipeProxy(upstream: number): Promise<{ port: number; stop: () => void }> {
  const script = `
    const net = require('node:net');
    const s = net.createServer({ noDelay: true }, (c) => {
      const u = net.connect({ host: '127.0.0.1', port: ${upstream}, noDelay: true });
      c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
      c.pipe(u); u.pipe(c);
    });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
  `;
  const child = execa(process.execPath, ['-e', script], { stdin: 'pipe', buffer: false, reject: false });
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d)))),
  );
  return { port, stop: () => child.kill() };
}

/** Echo server in its own process: frames come back as they went, like a replica answering. */
async function startEcho(): Promise<{ port: number; stop: () => void }> {
  const script = `
    const net = require('node:net');
    const s = net.createServer({ noDelay: true }, (c) => { c.on('error', () => {}); c.pipe(c); });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
  `;
  const child = execa(process.execPath, ['-e', script], { stdin: 'pipe', buffer: false, reject: false });
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d)))),
  );
  return { port, stop: () => child.kill() };
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

interface Raw {
  samples: number[];
  elapsed: number;
}

function summarise(runs: Raw[]): Result {
  const samples = runs.flatMap((r) => r.samples).sort((a, b) => a - b);
  const elapsed = runs.reduce((t, r) => t + r.elapsed, 0);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]! * 1000;
  return { rps: samples.length / elapsed, p50: q(0.5), p99: q(0.99) };
}

/** Keep `inflight` frames outstanding on one connection; time each from write to its echo. */
async function run(port: number, inflight: number, seconds: number): Promise<Raw> {
  const sock = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const frame = Buffer.alloc(4 + PAYLOAD, 0x61);
  frame.writeUInt32BE(PAYLOAD, 0);
  const sentAt: number[] = [];
  const samples: number[] = [];
  let measuring = false;
  let stopping = false;
  let pending: Buffer = Buffer.alloc(0);
  let outstanding = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const send = () => {
    sentAt.push(performance.now());
    outstanding++;
    sock.write(frame);
  };
  sock.on('data', (d: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const len = 4 + pending.readUInt32BE(0);
      pending = pending.subarray(len);
      const t0 = sentAt.shift()!;
      outstanding--;
      if (measuring) samples.push(performance.now() - t0);
      if (!stopping) send();
      else if (outstanding === 0) done();
    }
  });
  for (let i = 0; i < inflight; i++) send();
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  stopping = true;
  await finished;
  sock.destroy();
  return { samples, elapsed };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

async function main(): Promise<void> {
  const echo = await startEcho();
  const pipe = await startPipeProxy(echo.port);
  const tp = await startToxiproxy('embedded', { seed: 1 });
  try {
    const proxy = await new Toxiproxy(tp.url).createProxy({
      name: 'bench',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echo.port}`,
    });
    const proxyPort = Number(proxy.listen.split(':').pop());
    let aims = true;
    const line = (config: string, inflight: number, r: Result, base?: Result) =>
      console.log(
        `config=${config} inflight=${inflight} payload_bytes=${PAYLOAD} rtt_per_s=${fmt(r.rps)} p50_us=${fmt(r.p50)} p99_us=${fmt(r.p99)}` +
          (base
            ? ` p50_ratio=${fmt(r.p50 / base.p50, 2)} p99_ratio=${fmt(r.p99 / base.p99, 2)} throughput_ratio=${fmt(r.rps / base.rps, 2)}`
            : ''),
      );
    for (const inflight of [1, 16]) {
      const raw: Record<'direct' | 'pipe' | 'proxy', Raw[]> = { direct: [], pipe: [], proxy: [] };
      for (let round = 0; round < ROUNDS; round++) {
        raw.direct.push(await run(echo.port, inflight, SECONDS / ROUNDS));
        raw.pipe.push(await run(pipe.port, inflight, SECONDS / ROUNDS));
        raw.proxy.push(await run(proxyPort, inflight, SECONDS / ROUNDS));
      }
      const direct = summarise(raw.direct);
      const proxied = summarise(raw.proxy);
      line('direct', inflight, direct);
      line('pipe_floor', inflight, summarise(raw.pipe), direct);
      line('embedded_proxy', inflight, proxied, direct);
      if (inflight === 1 && proxied.p50 / direct.p50 > 2) aims = false;
      if (inflight === 16 && proxied.rps / direct.rps < 0.5) aims = false;
    }
    console.log(`summary server=${tp.kind} version=${tp.version} seconds=${SECONDS} aims_met=${aims}`);
  } finally {
    await tp.stop();
    pipe.stop();
    echo.stop();
  }
}

await main();

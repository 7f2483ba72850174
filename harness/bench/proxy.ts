/**
 * `npm run bench:proxy -- --server bin:PATH [--server URL]` (or `--server a,b`; embedded is always included): small framed
 * request/response messages over loopback, direct and through each Toxiproxy server (each its own process, as the
 * harness runs them), side by side in one run. Per server: p50/p99 round trip at 1 in flight, round trips per
 * second at 16 in flight, and the server's resident memory (all, private, peak) when we started it. A bare `pipe()` proxy
 * is measured too, as the floor any Node proxy hop costs here. Configurations are interleaved in short rounds so
 * that load from other processes hits them alike.
 *   BENCH_SECONDS (default 3) sets the measuring time per configuration and in-flight level.
 */

import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxy, type ToxiproxyHandle } from '../toxiproxy-server.js';

const PAYLOAD = 100;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP_MS = 200;
const ROUNDS = 5;

/** A Node one-liner server in its own process; prints its port. */
async function nodeServer(script: string): Promise<{ port: number; stop: () => void }> {
  const child = execa(process.execPath, ['-e', script], { stdin: 'pipe', buffer: false, reject: false });
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d)))),
  );
  return { port, stop: () => child.kill() };
}

const LISTEN = `s.listen(0, '127.0.0.1', () => console.log(s.address().port));
  process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;

/** Echo server: frames come back as they went, like a replica answering. */
const startEcho = () =>
  nodeServer(`const net = require('node:net');
  const s = net.createServer({ noDelay: true }, (c) => { c.on('error', () => {}); c.pipe(c); }); ${LISTEN}`);

/** The floor: a bare pipe() proxy with setNoDelay, no API, no toxics. */
const startPipeProxy = (upstream: number) =>
  nodeServer(`const net = require('node:net');
  const s = net.createServer({ noDelay: true }, (c) => {
    const u = net.connect({ host: '127.0.0.1', port: ${upstream}, noDelay: true });
    c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); c.pipe(u); u.pipe(c);
  }); ${LISTEN}`);

interface Raw {
  samples: number[];
  elapsed: number;
}
interface Result {
  rps: number;
  p50: number;
  p99: number;
}

/** Quantile `p` of sorted samples, in µs. */
function quantile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 1000;
}

/**
 * p50 over all rounds; p99 as the median of the rounds' p99s, so one round that another process's burst hit
 * does not decide it on a shared machine (every configuration is treated alike).
 */
function summarise(runs: Raw[]): Result {
  const samples = runs.flatMap((r) => r.samples).sort((a, b) => a - b);
  const elapsed = runs.reduce((t, r) => t + r.elapsed, 0);
  const p99s = runs
    .map((r) =>
      quantile(
        [...r.samples].sort((a, b) => a - b),
        0.99,
      ),
    )
    .sort((a, b) => a - b);
  return {
    rps: samples.length / elapsed,
    p50: quantile(samples, 0.5),
    p99: p99s[Math.floor(p99s.length / 2)]!,
  };
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

/**
 * Resident memory of a process in MB (Linux): all of it, its private part, and the peak. Most of a Node process's
 * RSS is the node binary's file pages (shared with every other Node process); `private` is what it adds itself.
 */
function memory(pid: number | undefined): { rss: number; anon: number; peak: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

const USAGE =
  'usage: npm run bench:proxy -- [--server embedded|bin:PATH|URL]... (embedded is always measured, as the baseline)';

/** The servers to measure: embedded first (the baseline every other one is held against), then the others. */
function serverChoices(argv: string[]): string[] {
  const { values } = parseArgs({
    args: argv,
    options: { server: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const list = (values.server ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  for (const s of list) {
    if (!/^(embedded|https?:\/\/\S+|bin:.+)$/.test(s))
      throw new Error(`--server must be embedded, bin:PATH or an http(s) URL (got "${s}")`);
    const bin = s.startsWith('bin:') ? s.slice(4) : '';
    if (bin.includes('/') && !existsSync(bin)) throw new Error(`--server ${s}: no such file`);
  }
  return [...new Set(['embedded', ...list])];
}

interface Target {
  label: string;
  port: number;
  handle?: ToxiproxyHandle;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** The aims: embedded p50 and p99 no worse than the other server's, RSS at most twice its. */
function aims(embedded: Target, other: Target, results: Map<string, Record<number, Result>>): string {
  const e = results.get(embedded.label)![1]!;
  const o = results.get(other.label)![1]!;
  const [em, om] = [memory(embedded.handle?.pid), memory(other.handle?.pid)];
  const p50 = e.p50 <= o.p50;
  const p99 = e.p99 <= o.p99;
  const rss = em && om ? em.rss <= 2 * om.rss : undefined;
  const priv = em && om ? em.anon <= 2 * om.anon : undefined;
  return `aims against=${other.label} p50_no_worse=${p50} p99_no_worse=${p99} rss_within_2x=${rss ?? 'n/a'} private_rss_within_2x=${priv ?? 'n/a'}`;
}

async function main(): Promise<void> {
  let choices: string[];
  try {
    choices = serverChoices(process.argv.slice(2));
  } catch (err) {
    // A bad flag: one line and exit 2, as the jitter commands do, not a stack trace.
    process.stderr.write(`bench:proxy: ${(err as Error).message} (--help for usage)\n`);
    process.exit(2);
  }
  const echo = await startEcho();
  const pipe = await startPipeProxy(echo.port);
  const targets: Target[] = [
    { label: 'direct', port: echo.port },
    { label: 'pipe_floor', port: pipe.port },
  ];
  try {
    for (const choice of choices) {
      const handle = await startToxiproxy(choice, { seed: 1 });
      const label = handle.kind === 'embedded' ? 'embedded' : `${handle.kind}:${handle.version}`;
      const name = `bench_${targets.length}`;
      const proxy = await new Toxiproxy(handle.url).createProxy({
        name,
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${echo.port}`,
      });
      targets.push({ label, port: Number(proxy.listen.split(':').pop()), handle });
    }
    const results = new Map<string, Record<number, Result>>();
    for (const inflight of [1, 16]) {
      const raw = new Map<string, Raw[]>(targets.map((t) => [t.label, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of targets) raw.get(t.label)!.push(await run(t.port, inflight, SECONDS / ROUNDS));
      }
      for (const t of targets) {
        results.set(t.label, { ...results.get(t.label), [inflight]: summarise(raw.get(t.label)!) });
      }
    }
    const direct = results.get('direct')!;
    console.log(
      `# ${SECONDS}s per level, ${PAYLOAD}-byte frames, interleaved in ${ROUNDS} rounds; p99 is the median round's`,
    );
    console.log(
      `${'config'.padEnd(28)} ${'p50_us'.padStart(7)} ${'p99_us'.padStart(7)} ${'rtt/s@16'.padStart(9)} ${'rss_mb'.padStart(7)} ${'priv_mb'.padStart(7)} ${'peak_mb'.padStart(7)}`,
    );
    for (const t of targets) {
      const r = results.get(t.label)!;
      const mem = memory(t.handle?.pid);
      console.log(
        `${t.label.padEnd(28)} ${fmt(r[1]!.p50).padStart(7)} ${fmt(r[1]!.p99).padStart(7)} ${fmt(r[16]!.rps).padStart(9)} ${fmt(mem?.rss ?? Number.NaN, 1).padStart(7)} ${fmt(mem?.anon ?? Number.NaN, 1).padStart(7)} ${fmt(mem?.peak ?? Number.NaN, 1).padStart(7)}`,
      );
    }
    // One key=value line per configuration, for scripts.
    for (const t of targets) {
      const r = results.get(t.label)!;
      const mem = memory(t.handle?.pid);
      console.log(
        `config=${t.label} p50_us=${fmt(r[1]!.p50)} p99_us=${fmt(r[1]!.p99)} rtt_per_s_16=${fmt(r[16]!.rps)}` +
          ` p50_ratio=${fmt(r[1]!.p50 / direct[1]!.p50, 2)} p99_ratio=${fmt(r[1]!.p99 / direct[1]!.p99, 2)}` +
          ` throughput_ratio=${fmt(r[16]!.rps / direct[16]!.rps, 2)} rss_mb=${fmt(mem?.rss ?? Number.NaN, 1)}` +
          ` private_rss_mb=${fmt(mem?.anon ?? Number.NaN, 1)}` +
          ` peak_rss_mb=${fmt(mem?.peak ?? Number.NaN, 1)}`,
      );
    }
    const embedded = targets.find((t) => t.label === 'embedded');
    const other = targets.find((t) => t.handle && t.label !== 'embedded');
    if (embedded && other) console.log(aims(embedded, other, results));
  } finally {
    for (const t of targets) await t.handle?.stop();
    pipe.stop();
    echo.stop();
  }
}

await main();

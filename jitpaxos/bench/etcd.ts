/**
 * The etcd anchor of bench:sut: 3 etcd members on loopback (Debian's etcd-server, when installed), driven by
 * closed-loop clients through the `etcd3` gRPC client, as etcd's users drive it. (Its v3 JSON gateway, used
 * before, is a proxy inside etcd: 16 clients got 528 puts/s through it against about 6,000 over gRPC.)
 * `--unsafe-no-fsync` for the fsync-off rows, as jitpaxos's `--no-fsync`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { execa, type ResultPromise } from 'execa';

export function etcdAvailable(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface EtcdCluster {
  clientUrls: string[];
  stop(): Promise<void>;
}

export async function startEtcd(members: number, fsync: boolean): Promise<EtcdCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-etcd-'));
  const ports: { client: number; peer: number }[] = [];
  for (let i = 0; i < members; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const initial = ports.map((p, i) => `e${i + 1}=http://127.0.0.1:${p.peer}`).join(',');
  const procs: ResultPromise[] = ports.map((p, i) => {
    const args = [
      '--name',
      `e${i + 1}`,
      '--data-dir',
      path.join(dir, `e${i + 1}`),
      '--listen-client-urls',
      `http://127.0.0.1:${p.client}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${p.client}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${p.peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${p.peer}`,
      '--initial-cluster',
      initial,
      '--initial-cluster-state',
      'new',
      '--initial-cluster-token',
      'jitter-bench',
      '--log-level',
      'error',
    ];
    if (!fsync) args.push('--unsafe-no-fsync');
    return execa('etcd', args, { reject: false, stdio: 'ignore' });
  });
  const clientUrls = ports.map((p) => `http://127.0.0.1:${p.client}`);
  // Ready once a write commits (a leader was elected and a quorum is up).
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await put(clientUrls[0]!, 'ready', '1');
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`etcd did not come up: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    clientUrls,
    stop: async () => {
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function put(url: string, key: string, value: string): Promise<void> {
  const client = new Etcd3({ hosts: url });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.put(key).value(value),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('put: no answer in 2 s')), 2000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

/** Closed-loop puts from `clients` clients (spread over the members) for `ms` after a warm-up; latencies in ms. */
export async function etcdLoad(
  urls: string[],
  clients: number,
  ms: number,
  warmupMs: number,
): Promise<{ ok: number; notOk: number; lat: number[] }> {
  const lat: number[] = [];
  let ok = 0;
  let notOk = 0;
  // One gRPC client per member; each closed-loop client uses its member's.
  const members = urls.map((url) => new Etcd3({ hosts: url }));
  const t0 = performance.now();
  const until = t0 + warmupMs + ms;
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        const etcd = members[i % members.length]!;
        let n = 0;
        while (performance.now() < until) {
          const start = performance.now();
          try {
            await etcd.put(`k${i}`).value(String(n++));
            if (start < t0 + warmupMs) continue;
            ok++;
            lat.push(performance.now() - start);
          } catch {
            if (start >= t0 + warmupMs) notOk++;
          }
        }
      }),
    );
  } finally {
    for (const m of members) m.close();
  }
  return { ok, notOk, lat };
}

/**
 * Real replica processes on loopback: commits land in every quorum member's log at their index; a killed
 * primary is replaced and nothing committed is lost; garbage on the wire and bad arguments do no harm.
 * Needs the build (npm test builds first).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientResult, JitClient } from '../jitpaxos/client.js';
import { cliPath, LocalCluster } from '../jitpaxos/cluster.js';
import { encodeFrame } from '../jitpaxos/framing.js';
import { inQuorum } from '../jitpaxos/quorum.js';
import { replayWal, WAL_FILE } from '../jitpaxos/storage.js';

interface DumpEntry {
  index: number;
  client: string;
  req: number;
  op: { f: string; value?: string };
}

type Committed = { client: string; req: number; index: number; value: string };

async function writeLoad(
  cluster: LocalCluster,
  clients: JitClient[],
  perClient: number,
  tag: string,
): Promise<{ ok: Committed[]; other: ClientResult[] }> {
  const ok: Committed[] = [];
  const other: ClientResult[] = [];
  await Promise.all(
    clients.map(async (c, i) => {
      for (let n = 0; n < perClient; n++) {
        const value = `${tag}-${i}-${n}`;
        const r = await c.write(`k${n % 4}`, value);
        if (r.type === 'ok')
          ok.push({ client: r.commit.client, req: r.commit.req, index: r.commit.index, value });
        else other.push(r);
      }
    }),
  );
  void cluster;
  return { ok, other };
}

/** The members of the quorum of the view the replicas agree on now (waits for them to agree). */
async function currentQuorum(cluster: LocalCluster): Promise<string[]> {
  for (const until = Date.now() + 20_000; Date.now() < until; ) {
    const statuses = await Promise.all(cluster.ids.map((id) => cluster.status(id).catch(() => null)));
    const live = statuses.filter((s) => s !== null);
    const view = Math.max(...live.map((s) => s.view));
    const members = cluster.ids.filter((id) => inQuorum(view, cluster.ids, id));
    const settled = members.every((id) => {
      const s = statuses[cluster.ids.indexOf(id)];
      return s && s.view === view && s.status === 'Normal';
    });
    if (settled) return members;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the replicas did not settle on a view within 20 s');
}

/**
 * Every commit is at its index in the log of every Normal member of its replica's own view's quorum (past its
 * snapshot, if it compacted: a dump starts there).
 */
async function checkDurable(cluster: LocalCluster, commits: Committed[], ids: string[]): Promise<void> {
  for (const id of ids) {
    const dump = await cluster.logDump(id);
    expect(dump.status).toBe('Normal');
    expect(inQuorum(dump.view, cluster.ids, id)).toBe(true);
    const log = dump.log as DumpEntry[];
    const base = dump.base ?? 0;
    expect(dump.logLength).toBeGreaterThanOrEqual(Math.max(0, ...commits.map((c) => c.index)));
    const missing = commits.filter((c) => {
      if (c.index <= base) return false;
      const e = log[c.index - base - 1];
      return !e || e.client !== c.client || e.req !== c.req || e.op.value !== c.value;
    });
    expect(missing, `${id} lacks commits`).toEqual([]);
    const ids = new Set(log.map((e) => `${e.client}/${e.req}`));
    expect(ids.size).toBe(log.length);
  }
}

describe('a 3-replica cluster of real processes (fixed mode)', () => {
  let dir: string;
  let cluster: LocalCluster;
  let clients: JitClient[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-it-'));
    cluster = await LocalCluster.create({ replicas: 3, mode: 'fixed', fsync: false, dir });
    await cluster.startAll();
    clients = Array.from(
      { length: 8 },
      (_, i) =>
        new JitClient({ id: `it${i}`, replicas: cluster.clientAddresses(), mode: 'fixed', timeoutMs: 5000 }),
    );
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const before: Committed[] = [];

  it('8 concurrent clients commit 2,000 operations, each in every quorum member at its index', async () => {
    const { ok, other } = await writeLoad(cluster, clients, 250, 'a');
    expect(other).toEqual([]);
    expect(ok).toHaveLength(2000);
    expect(new Set(ok.map((c) => c.index)).size).toBe(2000);
    before.push(...ok);
    // The current view's quorum (a load spike on a shared machine may have moved the view from the first).
    await checkDurable(cluster, ok, await currentQuorum(cluster));
  }, 60_000);

  it('kill -9 of the primary leads to a view change; operations resume and nothing committed is lost', async () => {
    const old = (await cluster.status('r2')).primary!;
    // Asked after the kill: any replica but the one killed (a load spike may have made r2 the primary).
    const observer = cluster.ids.find((id) => id !== old)!;
    const pid = cluster.pid(old)!;
    await cluster.kill(old);
    expect(() => process.kill(pid, 0)).toThrow(); // the process is gone
    let s2: Awaited<ReturnType<LocalCluster['status']>>;
    try {
      // Writes in flight while the views change may time out: indeterminate (Jepsen's info), never refused.
      // Under a loaded CI host the views after a primary's death can take longer than a write's 5 s (seen
      // twice: 60 and 16 of 200 timed out); what must hold is that they resume and lose nothing committed.
      const during = await writeLoad(cluster, clients, 25, 'b');
      expect(during.other.filter((r) => r.type !== 'info')).toEqual([]);
      const { ok, other } = await writeLoad(cluster, clients, 25, 'c');
      const logs = () =>
        cluster.ids
          .filter((id) => id !== old)
          .map((id) => `--- ${id}\n${cluster.logTail(id, 60)}`)
          .join('\n');
      if (other.length > 0) expect.fail(`${other.length} of 200 writes did not commit:\n${logs()}`);
      expect(ok).toHaveLength(200);
      ok.push(...during.ok);
      s2 = await cluster.status(observer);
      expect(s2.view).toBeGreaterThanOrEqual(2);
      expect(s2.primary).not.toBe(old);
      await checkDurable(cluster, [...before, ...ok], await currentQuorum(cluster));
    } catch (e) {
      // The next tests need every replica up: do not leave the killed one down.
      await cluster.start(old).catch(() => {});
      throw e;
    }

    // The old primary restarts from its data dir and rejoins the current view.
    await cluster.start(old);
    const until = Date.now() + 10_000;
    let s1 = await cluster.status(old);
    let view = (await cluster.status(s2.primary!)).view;
    while (Date.now() < until && !(s1.status === 'Normal' && s1.view === view)) {
      await new Promise((r) => setTimeout(r, 50));
      s1 = await cluster.status(old);
      view = (await cluster.status(s2.primary!)).view;
    }
    expect(s1).toMatchObject({ status: 'Normal', view });
    expect(s1.logLength).toBeGreaterThanOrEqual(2000); // recovered from disk, not empty
  }, 60_000);

  it('garbage, malformed frames and unknown messages are dropped; the replica keeps serving', async () => {
    const addr = cluster.node('r2').listen;
    const sock = net.connect(addr.port, addr.host);
    await new Promise((r) => sock.once('connect', r));
    const bad = Buffer.from('{not json', 'utf8');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(bad.length);
    sock.write(Buffer.concat([header, bad]));
    sock.write(encodeFrame({ type: 'Bogus', x: 1 }));
    sock.write(encodeFrame({ type: 'ClientRequest', client: 'evil', viewID: 'one' }));
    sock.write(encodeFrame([1, 2, 3]));
    // A frame header announcing 1 GiB: this connection is closed, the replica is not.
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(1 << 30);
    sock.write(huge);
    await new Promise((r) => sock.once('close', r));
    const raw = net.connect(addr.port, addr.host);
    raw.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    raw.destroy();

    const r = await clients[0]!.write('k0', 'after-garbage');
    expect(r.type).toBe('ok');
    const status = await cluster.status('r2');
    expect(status.status).toBe('Normal');
    // The replica's output reaches its log file through a pipe: wait for the lines, a busy machine is slow.
    const wanted = [
      /unknown message type \\"Bogus\\"/,
      /ClientRequest: \(root\) must have required property 'reqID'/,
      /message is not an object \(array\)/,
    ];
    const deadline = Date.now() + 20_000;
    let log = '';
    do {
      log = fs.readFileSync(cluster.node('r2').logFile, 'utf8');
      if (wanted.every((re) => re.test(log))) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    for (const re of wanted) expect(log).toMatch(re);
  }, 60_000);
});

describe('checkpoints in real processes (fixed mode)', () => {
  let dir: string;
  let cluster: LocalCluster;
  let clients: JitClient[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-ckpt-'));
    cluster = await LocalCluster.create({
      replicas: 3,
      mode: 'fixed',
      fsync: false,
      dir,
      extraArgs: ['--snapshot-every', '100'],
    });
    await cluster.startAll();
    clients = Array.from(
      { length: 4 },
      (_, i) =>
        new JitClient({ id: `ck${i}`, replicas: cluster.clientAddresses(), mode: 'fixed', timeoutMs: 5000 }),
    );
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Wait for a condition on a replica's status (a busy machine is slow; no fixed sleeps). */
  async function statusUntil(
    id: string,
    ok: (s: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    const until = Date.now() + 20_000;
    let s = (await cluster.status(id)) as Record<string, unknown>;
    while (Date.now() < until && !ok(s)) {
      await new Promise((r) => setTimeout(r, 50));
      s = (await cluster.status(id).catch(() => s)) as Record<string, unknown>;
    }
    return s;
  }

  it('a backup restarted after compaction loads its snapshot, rejoins, and the log goes on', async () => {
    const first = await writeLoad(cluster, clients, 150, 'a');
    expect(first.other).toEqual([]);
    // Heartbeats carry the stable prefix: both quorum members compact. (The quorum of the view the replicas
    // are in now: a load spike on a shared machine may have moved the view from the first.)
    const quorum = await currentQuorum(cluster);
    const primary = (await cluster.status(quorum[0]!)).primary!;
    const backup = quorum.find((id) => id !== primary)!;
    for (const id of quorum) {
      const s = await statusUntil(id, (x) => Number(x.snapshotIndex) >= 500);
      expect(Number(s.snapshotIndex)).toBeGreaterThanOrEqual(500);
      expect(Number(s.liveEntries)).toBeLessThan(300);
    }
    const before = await cluster.status(backup);
    await cluster.kill(backup);
    await cluster.start(backup);
    const back = await statusUntil(backup, (x) => x.status === 'Normal' && Number(x.view) >= before.view);
    expect(back.status).toBe('Normal');
    expect(Number(back.view)).toBeGreaterThanOrEqual(before.view);
    expect(Number(back.snapshotIndex)).toBeGreaterThanOrEqual(500);
    expect(Number(back.logLength)).toBeGreaterThanOrEqual(600);
    const walBytes = Number((back.store as { walBytes: number }).walBytes);
    expect(walBytes).toBeGreaterThan(0);

    const second = await writeLoad(cluster, clients, 50, 'b');
    expect(second.other).toEqual([]);
    // The restarted replica holds the committed log up to the last commit: the same prefix checksum there.
    const last = Math.max(...second.ok.map((c) => c.index));
    const restarted = await statusUntil(backup, (x) => Number(x.logLength) >= last);
    expect(Number(restarted.logLength)).toBeGreaterThanOrEqual(last);
    const sumAt = async (id: string) => {
      const d = await cluster.logDump(id);
      return (d.log as Array<DumpEntry & { checksum: string }>).find((e) => e.index === last)?.checksum;
    };
    // (A load spike may have moved the view on; whoever still holds that index holds the same prefix.)
    const sums = await Promise.all(cluster.ids.map(sumAt));
    expect(sums[cluster.ids.indexOf(backup)]).toBeDefined();
    expect(new Set(sums.filter((x) => x !== undefined)).size).toBe(1);
    // Its dump starts at its snapshot and says so; every later commit is in it at its index.
    const dump = await cluster.logDump(backup);
    expect(dump.from).toBe(dump.base);
    const log = dump.log as DumpEntry[];
    const base = dump.base ?? 0;
    expect(base).toBeGreaterThanOrEqual(500);
    for (const c of second.ok.filter((x) => x.index > base)) {
      const e = log[c.index - base - 1];
      expect(e && e.client === c.client && e.req === c.req).toBe(true);
    }
  }, 90_000);

  it('a replica that lost its WAL recovers under a new incarnation that its peers keep in theirs', async () => {
    const quorum = await currentQuorum(cluster);
    const primary = (await cluster.status(quorum[0]!)).primary!;
    const lost = cluster.ids.find((id) => id !== primary)!;
    await cluster.kill(lost);
    // The marker file stays and the WAL is gone: the replica must not trust what it has (DESIGN §2.4).
    fs.rmSync(path.join(cluster.node(lost).dataDir, WAL_FILE));
    await cluster.start(lost);
    const back = await statusUntil(lost, (x) => x.status === 'Normal');
    expect(back.status, cluster.logTail(lost, 40)).toBe('Normal');
    expect(back.incarnation).toBe(1);
    // Its log file is written from its output pipe: the line may land a little after the status says so.
    await expect.poll(() => cluster.logTail(lost, 400), { timeout: 10_000 }).toContain('as incarnation 1');
    const walOf = (id: string) =>
      replayWal(fs.readFileSync(path.join(cluster.node(id).dataDir, WAL_FILE))).state;
    expect(walOf(lost)?.incarnations).toEqual({ [lost]: 1 });
    // Every peer answered its recovery, or the majority that did holds the incarnation durably.
    const holders = cluster.ids.filter((id) => id !== lost && walOf(id)?.incarnations?.[lost] === 1);
    expect(holders.length).toBeGreaterThanOrEqual(1);
    // The cluster goes on committing, and the rejoined replica's log holds the commits when it is a member.
    const after = await writeLoad(cluster, clients, 25, 'r');
    expect(after.other).toEqual([]);
    await checkDurable(cluster, after.ok, await currentQuorum(cluster));
  }, 60_000);
});

describe('jitter replica: bad arguments', () => {
  const run = (args: string[]) => execa(process.execPath, [cliPath(), 'replica', ...args], { reject: false });
  const base = ['--id', 'r1', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--data-dir', os.tmpdir()];

  it('names the flag whose value is wrong', async () => {
    const r = await run([
      '--id',
      'r1',
      '--listen',
      'nowhere',
      '--admin',
      '127.0.0.1:0',
      '--data-dir',
      '/tmp',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--listen must be host:port \(got "nowhere"\)/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });
  it('refuses unknown flaws and modes, listing what exists', async () => {
    const flaw = await run([...base, '--flaw', 'bogus']);
    expect(flaw.exitCode).toBe(2);
    expect(flaw.stderr).toMatch(/unknown flaw "bogus"; known: timestamp-tie/);
    const mode = await run([...base, '--mode', 'paxos']);
    expect(mode.exitCode).toBe(2);
    expect(mode.stderr).toMatch(/Allowed choices are fixed, seed/);
  });
  it('requires --id and rejects a peer that is itself', async () => {
    const noId = await run(base.slice(2));
    expect(noId.stderr).toMatch(/required option '--id <id>'/);
    const self = await run([...base, '--peer', 'r1=127.0.0.1:1']);
    expect(self.exitCode).toBe(2);
    expect(self.stderr).toMatch(/--peer r1 is this replica itself/);
  });
});

/**
 * Checkpoints and compaction (fixed mode, DESIGN §2.9): a prefix every member of the view's quorum holds
 * identically becomes a snapshot; memory stays bounded; a restarted replica comes back from its snapshot;
 * a replica that lacks compacted entries receives the snapshot, whether in a StartView or as the new primary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checksums } from '../jitpaxos/checksum.js';
import { clientRequest, initialClient } from '../jitpaxos/client-core.js';
import { makeConfig } from '../jitpaxos/config.js';
import { applyOp, type KvState } from '../jitpaxos/kv.js';
import type { ClientMark, ClientReply, ClientRequest, Entry, Snapshot } from '../jitpaxos/messages.js';
import { hashAt, logLength, type ReplicaState, readerSaw, restoreReplica } from '../jitpaxos/replica-core.js';
import { between, from, ofType, Sim, to } from '../jitpaxos/sim.js';
import { replayWal, WAL_FILE, Wal } from '../jitpaxos/storage.js';

const R3 = ['r1', 'r2', 'r3'];
const w = (key: string, value: string) => ({ f: 'write' as const, key, value });

function sim(snapshotEvery: number, replicas = R3, clients = ['c1']): Sim {
  return new Sim(makeConfig({ replicas, mode: 'fixed', timing: { snapshotEvery } }), clients);
}

/** Commit `n` writes from c1 (keys k0..k9), every message delivered. */
function commitWrites(s: Sim, n: number, start = 0): void {
  for (let i = start; i < start + n; i++) {
    const req = s.invoke('c1', w(`k${i % 10}`, `v${i}`), 1000 + i * 10);
    s.deliverAll();
    expect(s.outcome('c1', req)?.type).toBe('ok');
  }
}

/** One heartbeat round of the primary, and the next one (backups learn what the first round established). */
function heartbeats(s: Sim, p = 'r1'): void {
  for (let i = 0; i < 2; i++) {
    s.fire(p, 'heartbeat');
    s.deliverAll();
  }
}

/** The key-value state a replica's log describes: its snapshot's, then its live entries applied. */
function kvOf(r: ReplicaState): KvState {
  const kv: KvState = new Map(r.snapshot?.kv ?? []);
  for (const e of r.log) applyOp(kv, e.op);
  return kv;
}

const entry = (i: number): Entry => ({ ts: i + 1, client: 'c1', req: i + 1, op: w(`k${i % 7}`, `v${i}`) });

/** A snapshot of `log`'s first `index` entries, as a replica would make it. */
function snapshotOf(log: Entry[], index: number): Snapshot {
  const kv: KvState = new Map();
  const sums = checksums(log);
  const clients = new Map<string, ClientMark>();
  log.slice(0, index).forEach((e, i) => {
    const result = applyOp(kv, e.op);
    clients.set(e.client, {
      client: e.client,
      req: e.req,
      index: i + 1,
      checksum: sums[i + 1]!,
      ts: e.ts,
      result,
    });
  });
  return {
    index,
    checksum: checksums(log)[index]!,
    last: log[index - 1] ?? null,
    kv: [...kv],
    clients: [...clients.values()],
  };
}

describe('checkpoints (fixed)', () => {
  it('compacts a prefix once every quorum member holds it, on primary and backups alike', () => {
    const s = sim(1);
    commitWrites(s, 25);
    heartbeats(s);
    for (const r of ['r1', 'r2']) {
      const x = s.replica(r);
      expect(x.base).toBe(25);
      expect(x.log.length).toBe(0);
      expect(x.snapshot?.checksum).toBe(hashAt(x, 25));
      expect(new Map(x.snapshot!.kv).get('k4')).toBe('v24');
      expect(x.syncIndex).toBeGreaterThanOrEqual(25);
    }
    // r3 is outside Quorum(1) and holds nothing: it compacts nothing.
    expect(s.replica('r3').base).toBe(0);
    // The log goes on after the snapshot; a resend of a compacted request is not appended again.
    commitWrites(s, 5, 25);
    expect(logLength(s.replica('r1'))).toBe(30);
    const r1 = s.replica('r1');
    expect(r1.done.get('c1')?.req).toBe(25);
  });

  it("keeps what the harness's dumps have not read yet, unless they fell more than twice the threshold behind", () => {
    const base = (readerAt: number | null) => {
      const s = sim(10);
      commitWrites(s, 25);
      if (readerAt !== null) for (const r of R3) readerSaw(s.replica(r), readerAt);
      heartbeats(s);
      return [s.replica('r1').base, s.replica('r2').base];
    };
    expect(base(null)).toEqual([20, 20]); // half the threshold stays live behind the stable point
    expect(base(12)).toEqual([12, 12]); // the reader has seen 12 entries: nothing past them goes
    expect(base(25)).toEqual([20, 20]); // a reader ahead changes nothing
    expect(base(2)).toEqual([5, 5]); // at most twice the threshold is kept for a reader that fell behind
  });

  it('a client whose request was compacted before it heard the commit commits on its resend', () => {
    const s = sim(1);
    commitWrites(s, 8);
    // Request 9 is appended by both, but every reply is lost.
    const req = s.invoke('c1', w('k', 'late'), 9000);
    s.deliverAll((m) => m.from === 'c1');
    s.drop(to('c1'));
    heartbeats(s);
    expect(s.replica('r1').base).toBe(9);
    expect(s.replica('r2').base).toBe(9);
    s.retry('c1', req, 9500);
    s.deliverAll();
    const out = s.outcome('c1', req);
    expect(out?.type).toBe('ok');
    expect(out?.type === 'ok' && out.commit.index).toBe(9);
    // And it was not appended twice.
    expect(logLength(s.replica('r1'))).toBe(9);
  });

  it('forgets clients a lifetime behind the snapshot, and still never appends their requests twice', () => {
    // 40 clients (a long run's retired processes) commit one write each, 1 ms apart; the lifetime is 5 ms.
    const clients = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const cfg = makeConfig({
      replicas: R3,
      mode: 'fixed',
      timing: { snapshotEvery: 1, requestLifetimeMs: 5 },
    });
    const s = new Sim(cfg, clients);
    let c0: ClientRequest | undefined;
    clients.forEach((c, i) => {
      const req = s.invoke(c, w('k', c), 10_000 + i * 1000);
      c0 ??= s.pending(between('c0', 'r1'))[0]?.msg as ClientRequest;
      s.deliverAll();
      expect(s.outcome(c, req)?.type).toBe('ok');
    });
    heartbeats(s);
    const r1 = s.replica('r1');
    expect(r1.base).toBe(40);
    // The last entry is stamped 49,000 µs: only clients stamped from 44,000 on are remembered.
    const kept = ['c34', 'c35', 'c36', 'c37', 'c38', 'c39'];
    expect([...r1.done.keys()]).toEqual(kept);
    expect(r1.snapshot?.clients.map((m) => m.client)).toEqual(kept);
    const refused = (copy: ClientRequest) => {
      s.net.push({ id: 999_000 + copy.ts, from: 'c0', to: 'r1', msg: copy });
      s.deliver(between('c0', 'r1'));
      const answer = s.pending(between('r1', 'c0'));
      s.drop(to('c0'));
      return answer.length === 1 && !(answer[0]!.msg as ClientReply).succeeded;
    };
    // A late copy of c0's forgotten request, stamped as late as its lifetime allows, cannot follow the log's
    // last entry; one stamped later is past its lifetime. Neither is appended a second time.
    expect(c0?.born).toBe(10_000);
    expect(refused({ ...c0!, ts: c0!.born + 5000 })).toBe(true);
    expect(refused({ ...c0!, ts: 60_000 })).toBe(true);
    expect(logLength(s.replica('r1'))).toBe(40);
    // The client's next request is appended as usual.
    const next = s.invoke('c0', w('k', 'again'), 70_000);
    s.deliverAll();
    expect(s.outcome('c0', next)?.type).toBe('ok');
  });

  it('a client whose clock lags by more than the lifetime does not spin, and its successor starts caught up', () => {
    const cfg = makeConfig({ replicas: R3, mode: 'fixed', timing: { requestLifetimeMs: 5 } });
    const s = new Sim(cfg, ['c1', 'c2']);
    const ahead = s.invoke('c2', w('k', 'ahead'), 100_000);
    s.deliverAll();
    expect(s.outcome('c2', ahead)?.type).toBe('ok');
    // c1's clock is 99 ms behind: the primary refuses its stamp; the client would restamp above 100,000 at
    // once, past the request's 5 ms lifetime, be refused again, and so on. It sends nothing more instead.
    const late = s.invoke('c1', w('k', 'late'), 1000);
    expect(s.deliverAll()).toBeLessThan(20);
    expect(s.outcome('c1', late)).toBeUndefined();
    expect(s.pending(from('c1', 'ClientRequest'))).toEqual([]);
    // Its successor on the same machine starts from the highest timestamp seen there, not from its clock.
    const next = initialClient('c3', 1, s.client('c1').seenTs);
    const first = clientRequest(cfg, next, w('k', 'next'), 1000);
    const msg = first.effects.find((e) => e.kind === 'send') as { msg: ClientRequest } | undefined;
    expect(msg?.msg.ts).toBeGreaterThan(100_000);
    expect(msg?.msg.born).toBe(msg?.msg.ts);
  });

  it('never compacts past what a quorum member holds identically', () => {
    const s = sim(1);
    commitWrites(s, 12);
    // Three more writes reach the primary only.
    for (let i = 12; i < 15; i++) {
      s.invoke('c1', w('k', `x${i}`), 5000 + i);
      s.deliverAll((m) => !(m.to === 'r2'));
      s.drop(to('r2'));
    }
    // r2 appends a request the primary never saw: its log diverges right after 12.
    s.net.push({
      id: 999_999,
      from: 'c9',
      to: 'r2',
      msg: {
        type: 'ClientRequest',
        client: 'c9',
        viewID: 1,
        reqID: 1,
        ts: 4900,
        born: 4900,
        op: w('z', 'z'),
      },
    });
    s.deliverAll(to('r2'));
    s.drop(to('c9'));
    expect(logLength(s.replica('r1'))).toBe(15);
    expect(logLength(s.replica('r2'))).toBe(13);
    heartbeats(s);
    // r2 holds the primary's first 12 entries and then its own: the snapshot stops at 12, on both.
    for (const r of ['r1', 'r2']) {
      expect(s.replica(r).base).toBe(12);
      expect(s.replica(r).snapshot?.checksum).toBe(s.replica('r1').snapshot?.checksum);
    }
    expect(logLength(s.replica('r1'))).toBe(15);
    expect(s.replica('r2').log.map((e) => e.client)).toEqual(['c9']);
  });

  it('a snapshot holds only what the slowest quorum member has', () => {
    const s = sim(1);
    commitWrites(s, 12);
    heartbeats(s);
    expect(s.replica('r1').base).toBe(12);
    // Three more entries reach the primary only, and r2 reports its shorter log.
    for (let i = 12; i < 20; i++) {
      s.invoke('c1', w('k', `x${i}`), 5000 + i);
      s.deliverAll((m) => m.to !== 'r2');
      s.drop(to('r2'));
    }
    heartbeats(s);
    // r2 holds 12: stable stays at 12, although the primary has 20.
    expect(s.replica('r1').stable?.index).toBe(12);
    expect(s.replica('r1').base).toBe(12);
    expect(s.replica('r2').base).toBe(12);
  });

  it('memory stays bounded: 50,000 operations with a threshold of 1,000', () => {
    const s = sim(1000);
    let most = 0;
    let least = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 50_000; i++) {
      s.invoke('c1', w(`k${i % 50}`, `v${i}`), 1000 + i * 10);
      s.deliverAll();
      if (i % 100 === 99) heartbeats(s);
      for (const r of ['r1', 'r2']) {
        const x = s.replica(r);
        most = Math.max(most, x.log.length, x.hashes.length - 1, x.ids.size, x.results.length);
        if (x.base > 0) least = Math.min(least, x.log.length);
      }
    }
    expect(most).toBeLessThan(1000 + 250);
    // Half the threshold stays live behind the stable point: a dump a few seconds old is still continued.
    expect(least).toBeGreaterThanOrEqual(500);
    const r1 = s.replica('r1');
    expect(logLength(r1)).toBe(50_000);
    expect(r1.base).toBeGreaterThan(48_000);
    expect(r1.base).toBeLessThanOrEqual(49_500);
    expect(r1.snapshot!.kv.length).toBe(50);
    expect(kvOf(r1)).toEqual(kvOf(s.replica('r2')));
  });

  it('a checkpointed replica restarts from its snapshot and rejoins', () => {
    const s = sim(1);
    commitWrites(s, 30);
    heartbeats(s);
    commitWrites(s, 4, 30);
    const before = s.snapshot('r2');
    expect(before.base).toBe(30);
    s.restart('r2', 'durable');
    const r2 = s.replica('r2');
    expect(r2.base).toBe(30);
    expect(logLength(r2)).toBe(34);
    expect(hashAt(r2, 34)).toBe(hashAt(s.replica('r1'), 34));
    expect(kvOf(r2)).toEqual(kvOf(before));
    // It takes part in commits again (Quorum(1) = {r1, r2}: no commit without it).
    commitWrites(s, 3, 34);
    expect(hashAt(s.replica('r2'), 37)).toBe(hashAt(s.replica('r1'), 37));
  });

  it('a lagging replica receives the snapshot in StartView and converges', () => {
    const s = sim(1);
    commitWrites(s, 30);
    heartbeats(s);
    commitWrites(s, 5, 30);
    expect(s.replica('r3').log.length).toBe(0);
    // r2 starts view 2 (primary r2, Quorum(2) = {r2, r3}): r3 lacks all, and r2 no longer has entries 1..30.
    s.fire('r2', 'election');
    s.deliverAll();
    const r2 = s.replica('r2');
    const r3 = s.replica('r3');
    expect(r3.view).toBe(2);
    expect(r3.status).toBe('Normal');
    expect(r3.base).toBe(30);
    expect(logLength(r3)).toBe(35);
    expect(hashAt(r3, 35)).toBe(hashAt(r2, 35));
    expect(kvOf(r3)).toEqual(kvOf(r2));
    // Commits go on in view 2 with r3 in the quorum.
    commitWrites(s, 3, 35);
    expect(hashAt(s.replica('r3'), 38)).toBe(hashAt(s.replica('r2'), 38));
  });

  it('a new primary that lacks compacted entries gets the chosen log as snapshot + suffix', () => {
    const s = sim(10);
    const log = Array.from({ length: 40 }, (_, i) => entry(i));
    const snap = snapshotOf(log, 30);
    const tail = log.slice(30);
    // View 4: Quorum(4) = {r2, r3} compacted 1..30; r1 is far behind (never in a quorum since it lost its log).
    for (const r of ['r2', 'r3'])
      s.replicas.set(
        r,
        restoreReplica(r, {
          view: 4,
          status: 'Normal',
          logViewID: 4,
          syncIndex: 40,
          log: tail,
          snapshot: snap,
        }),
      );
    s.replicas.set(
      'r1',
      restoreReplica('r1', { view: 4, status: 'Normal', logViewID: 0, syncIndex: 0, log: [] }),
    );
    // View 6: primary r1, Quorum(6) = {r1, r2}; it must take r2's log, which r2 can only give from its snapshot.
    for (const r of R3)
      s.net.push({
        id: 10_000 + R3.indexOf(r),
        from: 'r1',
        to: r,
        msg: { type: 'ViewChange', src: 'r1', viewID: 6 },
      });
    s.deliverAll();
    const r1 = s.replica('r1');
    expect(r1.view).toBe(6);
    expect(r1.status).toBe('Normal');
    expect(r1.base).toBe(30);
    expect(logLength(r1)).toBe(40);
    expect(hashAt(r1, 40)).toBe(checksums(log)[40]);
    expect(kvOf(r1)).toEqual(kvOf(s.replica('r2')));
    for (const r of R3) expect(s.replica(r).view).toBe(6);
    // The snapshot's dedup table is in force: a resend of request 5 (compacted) is not appended again.
    s.net.push({
      id: 20_000,
      from: 'c1',
      to: 'r1',
      msg: {
        type: 'ClientRequest',
        client: 'c1',
        viewID: 6,
        reqID: 5,
        ts: 10_000,
        born: 10_000,
        op: w('k', 'again'),
      },
    });
    s.deliver(to('r1'));
    expect(logLength(s.replica('r1'))).toBe(40);
    const rep = s.pending(between('r1', 'c1'))[0]!.msg;
    expect(rep.type === 'ClientReply' && rep.succeeded).toBe(false);
  });

  it('a view change works when replicas have different snapshot points', () => {
    const s = sim(10);
    const log = Array.from({ length: 60 }, (_, i) => entry(i));
    const sums = checksums(log);
    // r1 compacted 1..50, r2 only 1..20; both hold 60 entries. Quorum(1) = {r1, r2}.
    s.replicas.set(
      'r1',
      restoreReplica('r1', {
        view: 1,
        status: 'Normal',
        logViewID: 1,
        syncIndex: 60,
        log: log.slice(50),
        snapshot: snapshotOf(log, 50),
      }),
    );
    s.replicas.set(
      'r2',
      restoreReplica('r2', {
        view: 1,
        status: 'Normal',
        logViewID: 1,
        syncIndex: 60,
        log: log.slice(20),
        snapshot: snapshotOf(log, 20),
      }),
    );
    s.fire('r2', 'election');
    s.deliverAll(ofType('PreVote'));
    s.deliverAll(ofType('PreVoteReply'));
    s.deliverAll();
    for (const r of ['r2', 'r3']) {
      expect(s.replica(r).view).toBe(2);
      expect(s.replica(r).status).toBe('Normal');
      expect(hashAt(s.replica(r), 60)).toBe(sums[60]);
    }
    expect(s.replica('r3').base).toBe(20);
    expect(s.replica('r1').view).toBe(2);
  });
});

describe('checkpoints on disk', () => {
  it('a checkpoint rewrites the WAL as snapshot + suffix; a restart loads exactly that', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jit-ckpt-'));
    try {
      const log = Array.from({ length: 200 }, (_, i) => entry(i));
      const opened = Wal.open(dir, { fsync: true });
      const wal = opened.wal;
      wal.record([{ t: 'meta', view: 1, status: 'Normal', logViewID: 1, syncIndex: 0 }]);
      wal.record([{ t: 'append', entries: log.slice(0, 150) }]);
      await wal.flush();
      const big = fs.statSync(path.join(dir, WAL_FILE)).size;
      wal.record([
        { t: 'snapshot', snapshot: snapshotOf(log, 140) },
        { t: 'append', entries: log.slice(150) },
      ]);
      await wal.flush();
      const small = fs.statSync(path.join(dir, WAL_FILE)).size;
      expect(small).toBeLessThan(big / 2);
      expect(fs.readdirSync(dir).sort()).toEqual(['initialized', WAL_FILE]);
      wal.record([{ t: 'truncate', length: 190 }]);
      await wal.close();

      const again = Wal.open(dir, { fsync: true });
      expect(again.trusted).toBe(true);
      const st = again.state!;
      expect(st.snapshot?.index).toBe(140);
      expect(st.log).toEqual(log.slice(140, 190));
      const r = restoreReplica('r1', st);
      expect(logLength(r)).toBe(190);
      expect(hashAt(r, 190)).toBe(checksums(log)[190]);
      await again.wal.close();
      // Replaying the file alone gives the same state (no separate snapshot file to lose).
      const replay = replayWal(fs.readFileSync(path.join(dir, WAL_FILE)));
      expect(replay.state?.snapshot?.index).toBe(140);
      expect(replay.state?.log.length).toBe(50);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

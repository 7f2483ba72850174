/**
 * Fixed mode sends what differs, not history: view-change replies describe a log by prefix checksums,
 * the new primary fetches only the chosen log's missing suffix, and each StartView carries only what its
 * receiver lacks (DESIGN §2.7).
 */
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../jitpaxos/config.js';
import type { Entry } from '../jitpaxos/messages.js';
import { restoreReplica } from '../jitpaxos/replica-core.js';
import { ofType, Sim } from '../jitpaxos/sim.js';

const R3 = ['r1', 'r2', 'r3'];
const entry = (i: number, client = 'c1'): Entry => ({
  ts: i + 1,
  client,
  req: i + 1,
  op: { f: 'write', key: `k${i % 100}`, value: `v${i}` },
});

/** Deliver everything, counting the bytes of every replica-to-replica message on the way. */
function deliverCounting(s: Sim): { bytes: number; largest: number } {
  let bytes = 0;
  let largest = 0;
  for (;;) {
    const m = s.deliver(() => true);
    if (!m) return { bytes, largest };
    if (R3.includes(m.from) && R3.includes(m.to) && m.from !== m.to) {
      const n = Buffer.byteLength(JSON.stringify(m.msg));
      bytes += n;
      largest = Math.max(largest, n);
    }
  }
}

describe('suffix-only transfers (fixed)', () => {
  it('a view change on a 100,000-entry log with a small divergent suffix sends less than 64 KB', () => {
    const s = new Sim(makeConfig({ replicas: R3, mode: 'fixed' }), []);
    const base = Array.from({ length: 100_000 }, (_, i) => entry(i));
    const extra = Array.from({ length: 10 }, (_, i) => entry(100_000 + i));
    const other = Array.from({ length: 3 }, (_, i) => entry(100_000 + i, 'c9'));
    const logs: Record<string, Entry[]> = {
      r1: base.concat(extra), // the primary of view 1: the longest log of Quorum(1) = {r1, r2}
      r2: base.concat(extra.slice(0, 5)),
      r3: base.concat(other), // outside Quorum(1): its divergent entries were never acknowledged with r1's
    };
    for (const r of R3) {
      s.replicas.set(
        r,
        restoreReplica(r, { view: 1, status: 'Normal', logViewID: 1, syncIndex: 0, log: logs[r]! }),
      );
    }
    s.fire('r2', 'election');
    const { bytes, largest } = deliverCounting(s);
    expect(bytes).toBeLessThan(64 * 1024);
    expect(largest).toBeLessThan(16 * 1024);
    for (const r of R3) {
      expect(s.replica(r).view).toBe(2);
      expect(s.replica(r).status).toBe('Normal');
    }
    // Quorum(2) = {r2, r3} installed r1's log (chosen: highest logViewID, longest); r3 lost its divergent tail.
    for (const r of ['r2', 'r3']) {
      expect(s.replica(r).log.length).toBe(100_010);
      expect(s.replica(r).hashes[100_010]).toBe(s.replica('r1').hashes[100_010]);
      expect(s.replica(r).syncIndex).toBe(100_010);
    }
  });

  it('a replica whose prefix differs from what the primary assumed asks again and gets a fitting StartView', () => {
    const s = new Sim(makeConfig({ replicas: R3, mode: 'fixed' }), []);
    const base = Array.from({ length: 1000 }, (_, i) => entry(i));
    s.replicas.set(
      'r1',
      restoreReplica('r1', { view: 1, status: 'Normal', logViewID: 1, syncIndex: 0, log: base }),
    );
    s.replicas.set(
      'r2',
      restoreReplica('r2', { view: 1, status: 'Normal', logViewID: 1, syncIndex: 0, log: base }),
    );
    s.replicas.set(
      'r3',
      restoreReplica('r3', { view: 1, status: 'Normal', logViewID: 1, syncIndex: 0, log: [] }),
    );
    // View 2 forms from r1 and r2 alone; r3 (in Quorum(2)) never sent its marks.
    s.fire('r2', 'election');
    s.deliverAll((m) => m.msg.type === 'PreVote' || m.msg.type === 'PreVoteReply');
    s.drop((m) => m.from === 'r3' || (m.to === 'r3' && m.msg.type !== 'StartView'));
    s.deliverAll((m) => m.to !== 'r3');
    expect(s.replica('r2').status).toBe('Normal');
    const probe = s.pending(ofType('StartView')).find((m) => m.to === 'r3')!;
    expect((probe.msg as { log: Entry[] }).log.length).toBe(0);
    s.deliverAll();
    expect(s.replica('r3').view).toBe(2);
    expect(s.replica('r3').status).toBe('Normal');
    expect(s.replica('r3').log.length).toBe(1000);
  });
});

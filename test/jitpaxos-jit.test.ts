/**
 * Just in time (fixed mode, DESIGN §2.8): clients stamp requests ahead of their clock by the estimated
 * one-way delay, and replicas hold a request until their clock passes its timestamp (bounded).
 */
import { describe, expect, it } from 'vitest';
import { clientRequest, handleClientReply, initialClient, retryRequest } from '../jitpaxos/client-core.js';
import { makeConfig } from '../jitpaxos/config.js';
import type { ReplicaEffect } from '../jitpaxos/effects.js';
import type { ClientReply, ClientRequest } from '../jitpaxos/messages.js';
import { initialReplica, type ReplicaState, step } from '../jitpaxos/replica-core.js';
import { between, from, ofType, Sim, to } from '../jitpaxos/sim.js';

const cfg = makeConfig({ replicas: ['r1', 'r2', 'r3'], mode: 'fixed', timing: { maxLeadMs: 150 } });
const req = (client: string, reqID: number, ts: number): ClientRequest => ({
  type: 'ClientRequest',
  client,
  viewID: 1,
  reqID,
  ts,
  born: ts,
  op: { f: 'write', key: 'k', value: `${client}-${reqID}` },
});
const replies = (effects: ReplicaEffect[]) =>
  effects.flatMap((e) => (e.kind === 'reply' ? [e.msg] : [])).map((m) => `${m.client}:${m.succeeded}`);
const order = (r: ReplicaState) => r.log.map((e) => `${e.client}-${e.req}`);

describe('just-in-time ordering (fixed)', () => {
  it('requests reordered within the hold are appended in timestamp order', () => {
    let r = initialReplica('r2');
    // c2's request (ts 3 ms) overtakes c1's (ts 2 ms); both arrive before the replica clock reaches them.
    let out = step(cfg, r, { kind: 'client', msg: req('c2', 1, 3000), now: 1000 });
    r = out.state;
    expect(replies(out.effects)).toEqual([]);
    expect(out.effects).toContainEqual({ kind: 'timer', name: 'hold', ms: 2 });
    out = step(cfg, r, { kind: 'client', msg: req('c1', 1, 2000), now: 1200 });
    expect(out.effects).toContainEqual({ kind: 'timer', name: 'hold', ms: 1 });
    out = step(cfg, r, { kind: 'timer', name: 'hold', now: 2100 });
    expect(replies(out.effects)).toEqual(['c1:true']);
    // The reply says how long it was held, so that the client measures the network, not the hold.
    const held = out.effects.find((e) => e.kind === 'reply');
    expect(held?.kind === 'reply' && held.msg.heldUs).toBe(900);
    out = step(cfg, r, { kind: 'timer', name: 'hold', now: 3000 });
    expect(replies(out.effects)).toEqual(['c2:true']);
    expect(order(out.state)).toEqual(['c1-1', 'c2-1']);
  });

  it("a reply says how far ahead of the replica's clock the request arrived (negative: late)", () => {
    let r = initialReplica('r2');
    let out = step(cfg, r, { kind: 'client', msg: req('c2', 1, 3000), now: 1000 });
    r = out.state;
    out = step(cfg, r, { kind: 'timer', name: 'hold', now: 3100 });
    const aheadOf = (effects: ReplicaEffect[]) =>
      effects.flatMap((e) => (e.kind === 'reply' ? [e.msg.aheadUs] : []));
    // Held: it arrived 2 ms ahead of its timestamp. Late: 4 ms after it (and rejected, c2 being later).
    expect(aheadOf(out.effects)).toEqual([2000]);
    out = step(cfg, out.state, { kind: 'client', msg: req('c1', 1, 2000), now: 6000 });
    expect(replies(out.effects)).toEqual(['c1:false']);
    expect(aheadOf(out.effects)).toEqual([-4000]);
    // Without a clock reading nothing is said; seed mode never says.
    expect(
      aheadOf(step(cfg, initialReplica('r2'), { kind: 'client', msg: req('c1', 1, 2000) }).effects),
    ).toEqual([undefined]);
    const seed = makeConfig({ replicas: ['r1', 'r2', 'r3'], mode: 'seed' });
    const s = step(seed, initialReplica('r2'), { kind: 'client', msg: req('c1', 1, 500), now: 1000 });
    expect(aheadOf(s.effects)).toEqual([undefined]);
  });

  it('without the hold (no clock reading) the overtaken request is rejected', () => {
    let r = initialReplica('r2');
    r = step(cfg, r, { kind: 'client', msg: req('c2', 1, 3000) }).state;
    const out = step(cfg, r, { kind: 'client', msg: req('c1', 1, 2000) });
    expect(replies(out.effects)).toEqual(['c1:false']);
  });

  it('the hold is bounded: a request stamped far ahead is handled at once', () => {
    const r = initialReplica('r2');
    const out = step(cfg, r, { kind: 'client', msg: req('c1', 1, 10_000_000), now: 1000 });
    expect(replies(out.effects)).toEqual(['c1:true']);
    // Seed mode never holds.
    const seed = makeConfig({ replicas: ['r1', 'r2', 'r3'], mode: 'seed' });
    const s = step(seed, initialReplica('r2'), { kind: 'client', msg: req('c1', 1, 3000), now: 1000 });
    expect(replies(s.effects)).toEqual(['c1:true']);
  });

  it('clients stamp ahead of their clock by the estimated one-way delay to the slowest quorum member', () => {
    const c = initialClient('c1');
    const first = clientRequest(cfg, c, { f: 'read', key: 'k' }, 1_000_000);
    const sent = first.effects.find((e) => e.kind === 'send')!;
    expect((sent as { msg: ClientRequest }).msg.ts).toBe(1_000_000); // nothing measured yet
    // r1 answers after 2 ms, r2 after 40 ms: the lead follows the slower one.
    const reply = (src: string): ClientReply => ({
      type: 'ClientReply',
      src,
      client: 'c1',
      reqID: first.reqID,
      reqViewID: 1,
      viewID: 1,
      succeeded: false,
      index: 0,
      checksum: '0000000000000000',
      ts: 0,
    });
    handleClientReply(cfg, c, reply('r1'), 1_002_000);
    // r2 held the request 30 ms of its 70: the network took 40.
    handleClientReply(cfg, c, { ...reply('r2'), heldUs: 30_000 }, 1_070_000);
    const next = clientRequest(cfg, c, { f: 'read', key: 'k' }, 2_000_000);
    const ts = (next.effects.find((e) => e.kind === 'send') as { msg: ClientRequest }).msg.ts;
    // Both replies were rejections (out of order), so the client now stamps ahead.
    expect(ts).toBeGreaterThanOrEqual(2_000_000 + 10_000);
    expect(ts).toBeLessThanOrEqual(2_000_000 + cfg.timing.maxLeadMs * 1000);
  });

  it('the lead covers how long requests take to arrive, tail included, as the replies say', () => {
    const fixed = makeConfig({ replicas: ['r1', 'r2', 'r3'], mode: 'fixed' });
    /** Requests that take `delay(i)` µs to arrive (replica clock = client clock); the lead they leave with. */
    const leads = (delay: (i: number) => number, n: number): number => {
      const c = initialClient('c1');
      c.jitGain = 1; // as after an out-of-order arrival
      let now = 1_000_000;
      let lead = 0;
      for (let i = 0; i < n; i++, now += 1_000_000) {
        const { reqID, effects } = clientRequest(fixed, c, { f: 'read', key: 'k' }, now);
        const ts = (effects.find((e) => e.kind === 'send') as { msg: ClientRequest }).msg.ts;
        lead = ts - now;
        for (const src of ['r1', 'r2']) {
          const reply: ClientReply = {
            type: 'ClientReply',
            src,
            client: 'c1',
            reqID,
            reqViewID: 1,
            viewID: 1,
            succeeded: true,
            index: i + 1,
            checksum: '0000000000000000',
            ts,
            aheadUs: ts - (now + delay(i)),
          };
          handleClientReply(fixed, c, reply, now + 2 * delay(i));
        }
      }
      return lead;
    };
    // 100±55 ms, spread evenly: the lead reaches past the slowest arrivals (a late one sets logs apart),
    // within the cap.
    const spread = leads((i) => 45_000 + ((i * 37) % 111) * 1000, 300);
    expect(spread).toBeGreaterThanOrEqual(155_000);
    expect(spread).toBeLessThanOrEqual(fixed.timing.maxLeadMs * 1000);
    // Loopback: under a millisecond, so next to nothing is held.
    expect(leads((i) => 200 + (i % 5) * 50, 300)).toBeLessThan(1000);
  });

  it('one out-of-order rejection turns the lead fully on; commits turn it off slowly', () => {
    const c = initialClient('c1');
    c.oneWay.set('r1', { mean: 100_000, dev: 10_000 });
    c.oneWay.set('r2', { mean: 100_000, dev: 10_000 });
    const stamp = (now: number) =>
      (
        clientRequest(cfg, c, { f: 'read', key: 'k' }, now).effects.find((e) => e.kind === 'send') as {
          msg: ClientRequest;
        }
      ).msg.ts - now;
    expect(stamp(1_000_000)).toBe(0); // nothing reordered yet: no hold to pay
    const rejected: ClientReply = {
      type: 'ClientReply',
      src: 'r1',
      client: 'c1',
      reqID: 1,
      reqViewID: 1,
      viewID: 1,
      succeeded: false,
      index: 0,
      checksum: '0000000000000000',
      ts: 0,
    };
    handleClientReply(cfg, c, rejected, 1_200_000);
    expect(c.jitGain).toBe(1);
    // mean + 2 deviations, capped at maxLeadMs (the rejected reply was a sample too).
    expect(stamp(3_000_000)).toBeGreaterThan(100_000);
    // A commit turns it down by 0.2% only: a network that reorders keeps it on.
    const reqID = c.nextReqID - 1;
    for (const src of ['r1', 'r2'])
      handleClientReply(
        cfg,
        c,
        {
          ...rejected,
          src,
          reqID,
          succeeded: true,
          index: 1,
          entryClient: 'c1',
          entryReq: reqID,
          result: { value: null, applied: true },
        },
        3_300_000,
      );
    expect(c.pending.has(reqID)).toBe(false);
    expect(c.jitGain).toBeCloseTo(0.998);
  });

  it('the retry timer waits for the measured round trip and the lead, not a fixed 150 ms', () => {
    const c = initialClient('c1');
    const first = clientRequest(cfg, c, { f: 'read', key: 'k' }, 1_000_000);
    const timerOf = (effects: { kind: string; ms?: number | null }[]) =>
      effects.find((e) => e.kind === 'timer')?.ms;
    // Nothing measured yet: the configured retry delay.
    expect(timerOf(first.effects)).toBe(cfg.timing.clientRetryMs);
    // Both quorum members answer after 300 ms (150 ms each way): a 150 ms retry would resend every request.
    const ok = (src: string, index: number): ClientReply => ({
      type: 'ClientReply',
      src,
      client: 'c1',
      reqID: first.reqID,
      reqViewID: 1,
      viewID: 1,
      succeeded: true,
      index,
      checksum: 'aaaaaaaaaaaaaaaa',
      ts: 0,
      entryClient: 'c1',
      entryReq: first.reqID,
      result: { value: null, applied: true },
    });
    handleClientReply(cfg, c, ok('r1', 1), 1_300_000);
    handleClientReply(cfg, c, ok('r2', 1), 1_300_000);
    const next = clientRequest(cfg, c, { f: 'read', key: 'k' }, 2_000_000);
    const ms = timerOf(next.effects) ?? 0;
    expect(ms).toBeGreaterThanOrEqual(300);
    // A retry with nothing heard in between still backs off from there.
    expect(timerOf(retryRequest(cfg, c, next.reqID, 2_000_000 + ms * 1000))).toBeGreaterThan(ms);
  });

  it('a request that reaches a backup during a repair is handled when the repair completes, not dropped', () => {
    const s = new Sim(cfg, ['c1', 'c2', 'c3', 'c4']);
    // r2 appends c3's request, which r1 never sees; then c2's reaches both and r2 disagrees with r1 at 2.
    s.invoke('c1', { f: 'write', key: 'k', value: 'a' }, 100);
    s.deliverAll();
    s.invoke('c3', { f: 'write', key: 'k', value: 'x' }, 150);
    s.deliver(between('c3', 'r2'));
    s.drop(from('c3'));
    s.drop(to('c3'));
    s.invoke('c2', { f: 'write', key: 'k', value: 'b' }, 200);
    s.deliverAll(from('c2'));
    s.deliverAll(to('c2'));
    s.deliver(ofType('ReconcileRequest'));
    expect(s.replica('r2').status).toBe('Repair');
    // c4's request reaches r2 while the RepairRequest is on its way: r2 keeps it, answers nothing yet.
    const d = s.invoke('c4', { f: 'write', key: 'k', value: 'd' }, 300);
    s.deliver(between('c4', 'r2'));
    expect(s.pending(between('r2', 'c4'))).toHaveLength(0);
    s.deliverAll();
    expect(s.replica('r2').status).toBe('Normal');
    expect(s.outcome('c4', d)?.type).toBe('ok');
    expect(s.replica('r2').log.map((e) => e.op.f === 'write' && e.op.value)).toEqual(['a', 'b', 'd']);
  });
});

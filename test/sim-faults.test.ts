/** The simulator's faults in detail: per-client drift and the clients' timers, partition resets, vc-kill's events. */
import { describe, expect, it } from 'vitest';
import type { Op } from '../core/history.js';
import { Rng } from '../core/rng.js';
import { clientProxyName } from '../core/topology.js';
import { SimDrift } from '../sim/faults-clock.js';
import { SimClientPartition, SimPartition } from '../sim/faults-network.js';
import { SimStall } from '../sim/faults-stall.js';
import { simDefaults } from '../sim/options.js';
import { runSim } from '../sim/run.js';
import { World } from '../sim/world.js';

/** The simulated times (µs) at which one client sends its first operation's request, with its clock drifting at `rate`. */
function sendTimes(rate: number): number[] {
  const o = { ...simDefaults(1), nemesis: [] };
  const world = new World(o, new Rng(o.seed));
  // Nothing reaches a replica: the client keeps retrying on its timer.
  for (const r of world.nodes) world.net.cut.add(clientProxyName(r));
  const times: number[] = [];
  const send = world.send.bind(world);
  world.send = (from, to, msg) => {
    times.push(world.queue.now);
    send(from, to, msg);
  };
  const c = world.newClient(1, 0);
  world.clientClocks.get(c.slotName)!.setDrift(0, rate);
  c.invoke({ f: 'write', key: 'k', value: 1 }, () => {});
  while (world.queue.step(1_000_000)) {}
  return times;
}

describe('simulated clock drift', () => {
  it('gives each client its own seeded rate, the same on every replay; a schedule may name them', () => {
    const started = (params: Record<string, unknown>, seed = 1) => {
      const o = { ...simDefaults(seed), nemesis: [] };
      const world = new World(o, new Rng(seed));
      for (let slot = 0; slot < 6; slot++) world.newClient(slot + 1, slot);
      const rec = new SimDrift().start(world, params);
      const rates = Object.fromEntries([...world.clientClocks].map(([n, c]) => [n, c.driftRate]));
      return { rec, rates };
    };
    const a = started({ replicas: { r1: 0.05 }, clients: 0.2 });
    const rates = Object.values(a.rates);
    expect(new Set(rates).size).toBe(6);
    for (const r of rates) expect(Math.abs(r)).toBeLessThanOrEqual(0.2);
    expect(rates.some((r) => r > 0) && rates.some((r) => r < 0)).toBe(true);
    expect(a.rec.clients).toEqual(a.rates);
    expect(started({ replicas: {}, clients: 0.2 }).rates).toEqual(a.rates);
    expect(started({ replicas: {}, clients: 0.2 }, 2).rates).not.toEqual(a.rates);
    // No client drift: nothing recorded, nothing drifting.
    expect(started({ replicas: {}, clients: 0 }).rec.clients).toEqual({});
    const named = started({ replicas: {}, clients: { 'client-0': 0.05, 'client-3': -0.001 } });
    expect(named.rec.clients).toEqual({ 'client-0': 0.05, 'client-3': -0.001 });
    expect(named.rates['client-1']).toBe(0);
  });

  it("runs a client's retry timer at its clock's rate (a setTimeout on its machine)", () => {
    const calm = sendTimes(0);
    const fast = sendTimes(1);
    expect(calm.length).toBeGreaterThan(2);
    const gap = (t: number[]) => t[1]! - t[0]!;
    expect(gap(fast)).toBe(Math.round(gap(calm) / 2));
  });
});

describe('simulated partitions', () => {
  /** What r2 and a client get of what was in flight to them when a partition of `mode` cut their links. */
  function inFlight(mode: 'silent' | 'reset'): { peer: number; client: number; reply: number } {
    const o = { ...simDefaults(1), nemesis: [] };
    const world = new World(o, new Rng(o.seed));
    const r1 = world.replicas.get('r1')!;
    const r2 = world.replicas.get('r2')!;
    const got = { peer: 0, client: 0, reply: 0 };
    r2.deliver = (ev) => {
      if (ev.kind === 'peer') got.peer++;
    };
    r1.deliver = (ev) => {
      if (ev.kind === 'client') got.client++;
    };
    const c = world.newClient(1, 0);
    c.receive = () => {
      got.reply++;
    };
    world.sendPeer('r1', 'r2', { type: 'Heartbeat' } as never);
    world.send(c, 'r1', { type: 'Request' } as never);
    world.sendReply('r1', c.id, { type: 'Reply' } as never);
    // r1 is cut off the others (r1->r2 among its links), and the clients off r1, before anything arrives.
    new SimPartition().start(world, { topology: 'one', mode, order: ['r1', 'r2', 'r3'] });
    new SimClientPartition().start(world, { target: 'one', order: ['r1', 'r2', 'r3'], mode });
    while (world.queue.step(1_000_000)) {}
    return got;
  }

  it('silent: what was in flight still arrives', () => {
    expect(inFlight('silent')).toEqual({ peer: 1, client: 1, reply: 1 });
  });

  it('reset: the connections close, and what was in flight on the cut links is lost', () => {
    expect(inFlight('reset')).toEqual({ peer: 0, client: 0, reply: 0 });
  });
});

describe('stall', () => {
  it("holds a connection's messages until it stops, in order; the sender's next life dials a new connection that flows", () => {
    const o = { ...simDefaults(1), nemesis: [] };
    const world = new World(o, new Rng(o.seed));
    const got: Array<[number, number]> = [];
    const r2 = world.replicas.get('r2')!;
    r2.start();
    r2.deliver = (ev) => {
      // Only the test's numbered messages (a started r1 also sends the protocol's own).
      const n = ev.kind === 'peer' ? (ev.msg as unknown as { n?: number }).n : undefined;
      if (n !== undefined) got.push([n, world.queue.now]);
    };
    const r1 = world.replicas.get('r1')!;
    r1.start();
    const stall = new SimStall();
    stall.start(world, { from: 'r1', to: 'r2' });
    for (let n = 1; n <= 3; n++) world.sendPeer('r1', 'r2', { n } as never);
    // Another link flows; r1 crashes, and what it sent stays in the stalled connection.
    world.sendPeer('r3', 'r2', { n: 9 } as never);
    r1.crash();
    while (world.queue.step(5_000_000)) {}
    expect(got.map(([n]) => n)).toEqual([9]);
    // Restarted, r1 is on a new connection: it overtakes the old one's messages.
    r1.start();
    world.sendPeer('r1', 'r2', { n: 4 } as never);
    while (world.queue.step(6_000_000)) {}
    expect(got.map(([n]) => n)).toEqual([9, 4]);
    const stoppedAt = world.queue.now;
    stall.stop(world);
    while (world.queue.step(10_000_000)) {}
    expect(got.map(([n]) => n)).toEqual([9, 4, 1, 2, 3]);
    for (const [, at] of got.slice(2)) expect(at).toBeGreaterThanOrEqual(stoppedAt);
  });
});

describe('disk-loss', () => {
  it('the replica restarts Recovering and rejoins as a new incarnation; a second loss waits while one is down', () => {
    const order = ['r2', 'r1', 'r3'];
    const schedule = [
      { atMs: 1000, fault: 'disk-loss', action: 'start' as const, params: { target: 'one', order } },
      {
        atMs: 1500,
        fault: 'kill',
        action: 'start' as const,
        params: { target: 'one', order: ['r3', 'r1', 'r2'] },
      },
      { atMs: 2000, fault: 'disk-loss', action: 'stop' as const },
      { atMs: 2500, fault: 'disk-loss', action: 'start' as const, params: { target: 'one', order: ['r1'] } },
      { atMs: 3000, fault: 'kill', action: 'stop' as const },
      { atMs: 3500, fault: 'disk-loss', action: 'stop' as const },
    ];
    const run = runSim({ ...simDefaults(3), timeLimit: 10, nemesis: ['disk-loss', 'kill'], schedule });
    const starts = run.history
      .filter(
        (op: Op) =>
          op.process === 'nemesis' &&
          op.f === 'start' &&
          (op.value as { fault: string }).fault === 'disk-loss',
      )
      .map((op: Op) => op.value);
    expect(starts).toEqual([
      { fault: 'disk-loss', target: 'one', targets: ['r2'], stateLost: ['r2'] },
      // r2 cannot finish recovering while r3 is down (it needs both others): a second loss would take two states.
      { fault: 'disk-loss', target: 'one', skipped: 'r2 is recovering' },
    ]);
    expect(run.results.valid).toBe(true);
    const rejoined = (run.replicaLogs.get('r2') ?? []).filter((l) => l.event === 'recovered');
    expect(rejoined.map((l) => String(l.detail))).toEqual([expect.stringMatching(/as incarnation 1$/)]);
  });
});

describe('vc-kill', () => {
  it('records each kill and its restart as nemesis events, within its own start and stop', () => {
    const order = ['r1', 'r2', 'r3'];
    // The primary killed at 1 s and 5 s: each view change that follows is vc-kill's to hit (up to 3 kills).
    const schedule = [
      { atMs: 500, fault: 'vc-kill', action: 'start' as const, params: { maxKills: 3, pollMs: 1 } },
      { atMs: 1000, fault: 'kill', action: 'start' as const, params: { target: 'primary', order } },
      { atMs: 4000, fault: 'kill', action: 'stop' as const },
      { atMs: 5000, fault: 'kill', action: 'start' as const, params: { target: 'primary', order } },
      { atMs: 8000, fault: 'kill', action: 'stop' as const },
      { atMs: 9000, fault: 'vc-kill', action: 'stop' as const },
    ];
    const run = runSim({ ...simDefaults(1), timeLimit: 10, nemesis: [], schedule });
    const events = run.history.filter((op: Op) => op.process === 'nemesis');
    const value = (op: Op) => op.value as Record<string, unknown>;
    const crashes = events.filter((op) => value(op).fault === 'vc-kill-crash');
    const kills = Number(value(events.find((op) => op.f === 'stop' && value(op).fault === 'vc-kill')!).kills);
    expect(kills).toBeGreaterThan(1);
    expect(crashes.filter((op) => op.f === 'start')).toHaveLength(kills);
    expect(crashes.filter((op) => op.f === 'stop')).toHaveLength(kills);
    for (const op of crashes.filter((x) => x.f === 'start')) {
      expect(value(op)).toMatchObject({ signal: 'SIGKILL', targets: [expect.any(String)] });
    }
    for (const op of crashes.filter((x) => x.f === 'stop')) {
      expect(value(op)).toMatchObject({ restarted: [expect.any(String)] });
    }
    // Each kill is restarted before the next, and all before vc-kill's stop.
    let open = 0;
    for (const op of events) {
      if (value(op).fault === 'vc-kill-crash') open += op.f === 'start' ? 1 : -1;
      expect(open).toBeLessThanOrEqual(1);
      if (value(op).fault === 'vc-kill' && op.f === 'stop') expect(open).toBe(0);
    }
    expect(run.interrupted).toBeUndefined();
  });
});

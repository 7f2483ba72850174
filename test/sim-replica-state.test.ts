/** The replica-state checker on small hand-made logs, and on simulated runs where a flaw breaks it. */
import { describe, expect, it } from 'vitest';
import { checkReplicaState, type ReplicaStateEvent } from '../checkers/replica-state.js';
import type { ReplicaLogDump } from '../checkers/types.js';
import type { Op } from '../core/history.js';
import { checksums } from '../jitpaxos/checksum.js';
import { ALL_SIM_FAULTS, simDefaults } from '../sim/options.js';
import { runSim } from '../sim/run.js';
import { jitPaxosSystem } from '../systems/jitpaxos/index.js';

const ev = (replica: string, event: string, more: Partial<ReplicaStateEvent> = {}): ReplicaStateEvent => ({
  replica,
  event,
  ...more,
});

const entry = (client: string, req: number) => ({
  ts: req,
  client,
  req,
  op: { f: 'read' as const, key: 'x' },
});

function dump(
  takenAt: number,
  log: ReturnType<typeof entry>[],
  more: Partial<ReplicaLogDump> = {},
): ReplicaLogDump {
  return {
    replica: 'r1',
    takenAt,
    status: 'Normal',
    view: 2,
    logViewID: 2,
    syncIndex: log.length,
    inQuorum: true,
    log,
    ...more,
  };
}

/** A client read acknowledged as committed at the end of `log` (with the checksum of all of it). */
function committedAt(log: ReturnType<typeof entry>[]): Op[] {
  return [
    { index: 0, time: 1, type: 'invoke', process: 0, f: 'read', key: 'x', value: null },
    {
      index: 1,
      time: 2,
      type: 'ok',
      process: 0,
      f: 'read',
      key: 'x',
      value: null,
      commit: { view: 2, index: log.length, checksum: checksums(log)[log.length]!, client: 'c0', req: 2 },
    },
  ];
}

describe('replica-state checker', () => {
  it('accepts the protocol transitions, and a restart as Recovering starting over', () => {
    const r = checkReplicaState({
      events: [
        ev('r1', 'start', { status: 'Normal', view: 1 }),
        ev('r1', 'view', { detail: '1 -> 2' }),
        ev('r1', 'status', { detail: 'Normal -> ViewChange in view 1' }),
        ev('r1', 'status', { detail: 'ViewChange -> Normal in view 2' }),
        ev('r1', 'status', { detail: 'Normal -> Repair in view 2' }),
        ev('r1', 'status', { detail: 'Repair -> Normal in view 2' }),
        ev('r1', 'start', { status: 'Recovering', view: 0 }),
        ev('r1', 'view', { detail: '0 -> 2' }),
        ev('r1', 'status', { detail: 'Recovering -> Normal in view 3' }),
      ],
      dumps: [],
      history: [],
    });
    expect(r.valid).toBe(true);
  });

  it('finds a view that went back across a restart, and a transition the protocol never makes', () => {
    const r = checkReplicaState({
      events: [
        ev('r1', 'start', { status: 'Normal', view: 1 }),
        ev('r1', 'view', { detail: '1 -> 5' }),
        ev('r1', 'start', { status: 'Normal', view: 1 }),
        ev('r1', 'status', { detail: 'ViewChange -> Repair in view 5' }),
      ],
      dumps: [],
      history: [],
    });
    expect(r.valid).toBe(false);
    expect(r.violations.map((v) => v.kind).sort()).toEqual(['status-transition', 'view-backwards']);
  });

  it('in the dumps, a view goes back only across a power loss that left less, or nothing (a scrambled WAL)', () => {
    // Swarm seed 600298 (600 s): r1 was in view 69, a power loss scrambled its WAL, it recovered and rejoined
    // in view 68 within half a second; no dump saw it Recovering. What survived decides what may follow.
    const across = (loss: Partial<ReplicaStateEvent>) =>
      checkReplicaState({
        events: [ev('r1', 'power-loss', { atNs: 15, ...loss })],
        dumps: [dump(10, [], { view: 69, logViewID: 66 }), dump(20, [], { view: 68, logViewID: 68 })],
        history: [],
      });
    expect(across({}).valid).toBe(true);
    expect(across({ durableView: 67, durableLogViewID: 66 }).valid).toBe(true);
    expect(across({ durableView: 69, durableLogViewID: 66 }).violations.map((v) => v.kind)).toEqual([
      'view-backwards',
    ]);
  });

  it('in the dumps, a view goes back across a fault that says it lost the node’s state (disk-loss), and only there', () => {
    const nemesis = (time: number, value: Record<string, unknown>): Op => ({
      index: 0,
      time,
      type: 'info',
      process: 'nemesis',
      f: 'start',
      value,
    });
    const across = (value: Record<string, unknown>) =>
      checkReplicaState({
        events: [],
        dumps: [dump(10, [], { view: 69, logViewID: 66 }), dump(20, [], { view: 68, logViewID: 68 })],
        history: [nemesis(15, value)],
      });
    expect(across({ fault: 'disk-loss', targets: ['r1'], stateLost: ['r1'] }).valid).toBe(true);
    expect(across({ fault: 'disk-loss', targets: ['r2'], stateLost: ['r2'] }).valid).toBe(false);
    expect(across({ fault: 'kill', targets: ['r1'] }).valid).toBe(false);
  });

  it('finds a committed prefix that changed in a later dump', () => {
    const committed = [entry('c0', 1), entry('c0', 2)];
    const history = committedAt(committed);
    const r = checkReplicaState({
      events: [],
      dumps: [dump(10, committed), dump(20, [entry('c0', 1), entry('c1', 7)])],
      history,
      logChecksum: jitPaxosSystem.logChecksum!,
    });
    expect(r.valid).toBe(false);
    expect(r.violations[0]!.kind).toBe('committed-prefix');
  });

  it('shares checksums between replicas only where their prefixes agree', () => {
    // r1 and r2 hold entry b at the same index after different first entries: r2's log never held the
    // committed prefix a b, so rewriting it is no violation; r1's rewrite of b is one.
    const [a, b, c, d] = [entry('c0', 1), entry('c0', 2), entry('c1', 7), entry('c1', 8)];
    const [x, y] = [entry('c2', 1), entry('c2', 2)];
    const history = committedAt([a, b]);
    const r = checkReplicaState({
      events: [],
      dumps: [
        dump(10, [a, b]),
        dump(11, [x, b], { replica: 'r2' }),
        dump(20, [a, c]),
        dump(21, [y, d], { replica: 'r2' }),
      ],
      history,
      logChecksum: jitPaxosSystem.logChecksum!,
    });
    expect(r.violations.map((v) => v.replica)).toEqual(['r1']);
  });

  it('judges every simulated run: fixed mode passes, no-durability restarts in view 1', () => {
    const base = { ...simDefaults(1), timeLimit: 20, nemesis: ALL_SIM_FAULTS, nemesisInterval: 2 };
    expect(runSim(base).results.checkers['replica-state']?.valid).toBe(true);
    const flawed = runSim({ ...base, flaws: ['no-durability'], nemesis: ['kill'] });
    expect(flawed.results.checkers['replica-state']?.valid).toBe(false);
  });
});

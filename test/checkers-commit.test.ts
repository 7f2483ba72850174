/** Commit consistency on hand-built commits and replica logs: each violation kind, and clean runs. */
import { describe, expect, it } from 'vitest';
import { checkCommitConsistency } from '../checkers/commit-consistency.js';
import type { LogEntry as Entry, ReplicaLogDump } from '../checkers/types.js';
import type { Op } from '../core/history.js';

const entry = (client: string, req: number, ts: number, value = `v${req}`): Entry => ({
  ts,
  client,
  req,
  op: { f: 'write', key: 'k', value },
});

/** An ok write by `client` committed at (view, index), completing at `time`. */
function commitOp(index: number, e: Entry, view: number, at: number, time: number): Op[] {
  const value = e.op.f === 'write' ? e.op.value : null;
  return [
    { index, time: time - 1, type: 'invoke', process: 0, f: 'write', key: 'k', value },
    {
      index: index + 1,
      time,
      type: 'ok',
      process: 0,
      f: 'write',
      key: 'k',
      value,
      commit: { view, index: at, checksum: `h${at}`, client: e.client, req: e.req, ts: e.ts },
    },
  ];
}

function dump(replica: string, log: Entry[], over: Partial<ReplicaLogDump> = {}): ReplicaLogDump {
  return {
    replica,
    takenAt: 1000,
    status: 'Normal',
    view: 1,
    logViewID: 1,
    syncIndex: log.length,
    inQuorum: true,
    log,
    ...over,
  };
}

const a = entry('c1', 1, 10);
const b = entry('c2', 1, 20);
const c = entry('c1', 2, 30);
const history = [...commitOp(0, a, 1, 1, 100), ...commitOp(2, b, 1, 2, 200)];

describe('commit consistency', () => {
  it('passes a clean run, with the commits in every final log', () => {
    const r = checkCommitConsistency({
      history,
      dumps: [
        dump('r1', [a, b], { final: true }),
        dump('r2', [a, b], { final: true }),
        dump('r3', [a], { final: true, inQuorum: false }),
      ],
      replicas: ['r1', 'r2', 'r3'],
    });
    expect(r.valid).toBe(true);
    expect(r.commits).toBe(2);
    expect(r.violations).toEqual([]);
  });

  it('accepts a compacted prefix it saw or never saw, and still finds divergence after it', () => {
    const d = entry('c3', 1, 40);
    const h4 = [...history, ...commitOp(4, c, 1, 3, 300)];
    const compacted = (index: number, seen: boolean) => ({ index, checksum: `h${index}`, seen });
    // r1 shown whole, then compacted past what was shown (seen); r2 compacted before any dump (not seen).
    const clean = checkCommitConsistency({
      history: h4,
      dumps: [
        dump('r1', [a, b], { takenAt: 250 }),
        dump('r1', [c], { final: true, compacted: compacted(2, true) }),
        dump('r2', [c], { final: true, compacted: compacted(2, false) }),
      ],
      replicas: ['r1', 'r2'],
    });
    expect(clean.valid).toBe(true);
    expect(clean.violations).toEqual([]);
    // What follows the snapshot is judged as ever: r2 holds another entry at committed index 3.
    const bad = checkCommitConsistency({
      history: h4,
      dumps: [
        dump('r1', [c], { final: true, compacted: compacted(2, false) }),
        dump('r2', [d], { view: 2, takenAt: 400, compacted: compacted(2, false) }),
      ],
    });
    expect(bad.counts.inv).toBe(1);
    expect(bad.violations[0]).toMatchObject({ kind: 'inv', replica: 'r2', index: 3, entries: [d] });
  });

  it('flags Inv: a Normal quorum member in a later view holding another entry at a committed index', () => {
    const r = checkCommitConsistency({
      history,
      dumps: [dump('r2', [a, c], { view: 2, takenAt: 500 }), dump('r1', [a, b], { final: true })],
    });
    expect(r.valid).toBe(false);
    expect(r.counts.inv).toBe(1);
    const v = r.violations.find((x) => x.kind === 'inv')!;
    expect(v).toMatchObject({ replica: 'r2', index: 2, takenAt: 500, entries: [c] });
    expect(v.commit).toMatchObject({ client: 'c2', req: 1, view: 1, index: 2 });
  });

  it('does not apply Inv to replicas outside the quorum, not Normal, in an older view, or dumped before the commit', () => {
    const wrong = [a, c];
    const r = checkCommitConsistency({
      history,
      dumps: [
        dump('r2', wrong, { inQuorum: false }),
        dump('r2', wrong, { status: 'ViewChange' }),
        dump('r2', wrong, { view: 0 }),
        dump('r2', wrong, { takenAt: 150 }),
        dump('r1', [a, b], { final: true, takenAt: 2000 }),
      ],
    });
    expect(r.counts.inv).toBe(0);
    expect(r.valid).toBe(true);
  });

  it('flags agreement: two commits at one index with different entries', () => {
    const h = [...commitOp(0, a, 1, 1, 100), ...commitOp(2, c, 2, 1, 200)];
    const r = checkCommitConsistency({ history: h, dumps: [] });
    expect(r.counts.agreement).toBe(1);
    const v = r.violations[0]!;
    expect(v).toMatchObject({ kind: 'agreement', index: 1 });
    expect(v.commit).toMatchObject({ client: 'c1', req: 1 });
    expect(v.other).toMatchObject({ client: 'c1', req: 2, view: 2 });
  });

  it('flags durability: a commit missing, displaced or duplicated in a final log', () => {
    const missing = checkCommitConsistency({ history, dumps: [dump('r1', [a], { final: true })] });
    expect(missing.counts.durability).toBe(1);
    expect(missing.violations[0]).toMatchObject({
      kind: 'durability',
      replica: 'r1',
      index: 2,
      entries: [null],
    });
    expect(missing.violations[0]!.message).toContain('only 1 entries');

    const displaced = checkCommitConsistency({ history, dumps: [dump('r1', [b, a], { final: true })] });
    expect(displaced.counts.durability).toBe(2);

    const twice = checkCommitConsistency({
      history,
      dumps: [dump('r1', [a, b, { ...b, ts: 40 }], { final: true })],
    });
    expect(twice.counts.durability).toBe(1);
    expect(twice.violations.find((v) => v.kind === 'durability')!.message).toContain('2 times');
  });

  it('checks durability only on Normal members of the final view’s quorum', () => {
    const r = checkCommitConsistency({
      history,
      dumps: [
        dump('r1', [a, b], { final: true, view: 3 }),
        dump('r2', [], { final: true, view: 3, inQuorum: false }),
        dump('r3', [], { final: true, view: 2 }),
      ],
    });
    expect(r.valid).toBe(true);
  });

  it('judges durability on latest dumps only for the commits made before them (a run without final dumps)', () => {
    // The run ended (killed, or a simulated run interrupted) after b committed, with no final dumps: r1's latest
    // dump predates b, so it cannot witness b's durability, but it must hold a.
    const latest = (log: Entry[]) =>
      checkCommitConsistency({ history, dumps: [dump('r1', log, { takenAt: 150 })], replicas: ['r1'] });
    expect(latest([a]).valid).toBe(true);
    const lost = latest([]);
    expect(lost.valid).toBe(false);
    expect(lost.counts.durability).toBe(1);
  });

  it('is unknown when no final dump can witness durability', () => {
    const r = checkCommitConsistency({
      history,
      dumps: [dump('r1', [a, b], { final: true, status: 'Repair' })],
    });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toContain('durability not checked');
  });

  it('flags malformed logs: a request twice, timestamps not increasing', () => {
    const r = checkCommitConsistency({
      history: [],
      dumps: [dump('r3', [a, b, { ...a, ts: 25 }, entry('c3', 1, 24)])],
    });
    expect(r.counts['log-duplicate-request']).toBe(1);
    expect(r.counts['log-timestamps']).toBe(1);
    const dup = r.violations.find((v) => v.kind === 'log-duplicate-request')!;
    expect(dup).toMatchObject({ replica: 'r3', index: 3 });
    expect(dup.entries).toEqual([a, { ...a, ts: 25 }]);
    const ts = r.violations.find((v) => v.kind === 'log-timestamps')!;
    expect(ts.index).toBe(4);
  });

  it('accepts equal timestamps from different clients in (timestamp, client, request) order, not out of it', () => {
    const tie = (order: Array<[string, number]>) =>
      checkCommitConsistency({
        history: [],
        dumps: [
          dump(
            'r1',
            order.map(([c, r]) => entry(c, r, 50)),
          ),
        ],
      }).counts['log-timestamps'];
    expect(
      tie([
        ['c1', 1],
        ['c2', 1],
        ['c2', 2],
      ]),
    ).toBe(0);
    expect(
      tie([
        ['c2', 1],
        ['c1', 1],
      ]),
    ).toBe(1);
  });
});

describe('commit consistency without request identities', () => {
  it('compares commits at one index by checksum', () => {
    const bare = (index: number, view: number, checksum: string, time: number): Op => ({
      index,
      time,
      type: 'ok',
      process: 0,
      f: 'write',
      key: 'k',
      value: 'x',
      commit: { view, index: 1, checksum },
    });
    const same = checkCommitConsistency({ history: [bare(0, 1, 'h1', 10), bare(1, 2, 'h1', 20)], dumps: [] });
    expect(same.counts.agreement).toBe(0);
    const differ = checkCommitConsistency({
      history: [bare(0, 1, 'h1', 10), bare(1, 2, 'h2', 20)],
      dumps: [],
    });
    expect(differ.counts.agreement).toBe(1);
    expect(differ.valid).toBe(false);
  });
  it('compares log entries with the operation when commits carry no request identity', () => {
    const op = (index: number, value: string): Op => ({
      index,
      time: 10,
      type: 'ok',
      process: 0,
      f: 'write',
      key: 'k',
      value,
      commit: { view: 1, index: 1, checksum: 'h1' },
    });
    const log = [entry('c1', 1, 10, 'x')];
    expect(
      checkCommitConsistency({ history: [op(0, 'x')], dumps: [dump('r1', log, { final: true })] }).valid,
    ).toBe(true);
    const r = checkCommitConsistency({ history: [op(0, 'y')], dumps: [dump('r1', log, { final: true })] });
    expect(r.counts.inv).toBe(1);
    expect(r.counts.durability).toBe(1);
  });
});

/**
 * Incremental dumps: stored whole-dump runs (valid and invalid, seed mode among them) converted to delta
 * streams give the verdicts and violations the whole-dump checker gave; a log truncated mid-stream is read
 * back exactly; a stream cut off mid-line (jitter killed) is still checkable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkCommitConsistency } from '../checkers/commit-consistency.js';
import {
  DumpEncoder,
  type DumpRecord,
  decodeDumps,
  isCompacted,
  isDelta,
  recordLine,
} from '../checkers/dump-stream.js';
import type { LogEntry, ReplicaLogDump } from '../checkers/types.js';
import type { Op } from '../core/history.js';
import { readDumps } from '../harness/analyze.js';
import { checkCommitConsistency as reference } from './commit-consistency-reference.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'runs');

function lines<T>(file: string): T[] {
  return zlib
    .gunzipSync(fs.readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function fixture(name: string) {
  const dir = path.join(FIXTURES, name);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as {
    replicas: string[];
    valid: boolean;
  };
  return {
    meta,
    history: lines<Op>(path.join(dir, 'history.jsonl.gz')),
    dumps: lines<ReplicaLogDump>(path.join(dir, 'dumps.jsonl.gz')),
  };
}

/** What the harness now writes for those dumps, through JSON as on disk. */
function encode(dumps: ReplicaLogDump[]): DumpRecord[] {
  const enc = new DumpEncoder();
  return dumps.map((d) => JSON.parse(recordLine(enc.encode(d)!)) as DumpRecord);
}

/** A dump of a Normal replica in view 1's quorum. */
const normalDump = (replica: string, takenAt: number, log: LogEntry[]): ReplicaLogDump => ({
  replica,
  takenAt,
  status: 'Normal',
  view: 1,
  logViewID: 1,
  syncIndex: 0,
  inQuorum: true,
  log,
});

const entry = (client: string, req: number, ts: number): LogEntry => ({
  ts,
  client,
  req,
  op: { f: 'write', key: 'k', value: `${client}-${req}` },
});

describe('incremental dumps', () => {
  for (const name of ['valid', 'seed', 'nodur']) {
    it(`agree with whole dumps on the stored ${name} run`, () => {
      const { meta, history, dumps } = fixture(name);
      const expected = reference({ history, dumps, replicas: meta.replicas });
      expect(expected.valid).toBe(meta.valid);
      const records = encode(dumps);
      expect(records.filter(isDelta).length).toBeGreaterThan(records.length / 2);
      // The stream is far smaller than the whole dumps it stands for.
      const whole = dumps.map((d) => JSON.stringify(d)).join('\n').length;
      const stream = records.map((r) => JSON.stringify(r)).join('\n').length;
      expect(stream).toBeLessThan(whole / 3);

      expect(checkCommitConsistency({ history, dumps, replicas: meta.replicas })).toEqual(expected);
      expect(checkCommitConsistency({ history, dumps: records, replicas: meta.replicas })).toEqual(expected);
    });
  }

  it('reads a log truncated mid-stream back exactly, and checks it as whole dumps would', () => {
    const a = entry('c1', 1, 10);
    const b = entry('c2', 1, 20);
    const c = entry('c1', 2, 30);
    const x = entry('c3', 1, 25);
    const y = entry('c3', 2, 40);
    const at = (takenAt: number, log: LogEntry[], view = 1): ReplicaLogDump => ({
      replica: 'r1',
      takenAt,
      status: 'Normal',
      view,
      logViewID: view,
      syncIndex: log.length,
      inQuorum: true,
      log,
    });
    // r1 grows, is cut back to one entry and rewritten (a view change), then grows again.
    const dumps = [
      at(100, [a]),
      at(200, [a, b]),
      at(300, [a, b, c]),
      at(400, [a, x], 2),
      at(500, [a, x, y], 2),
      { ...at(600, [a, x, y], 2), final: true },
    ];
    const records = encode(dumps);
    expect(records.map((r) => (isDelta(r) ? 'delta' : 'whole'))).toEqual([
      'whole',
      'delta',
      'delta',
      'whole',
      'delta',
      'whole',
    ]);
    // Each log copied as it goes by: the decoder changes it in place with the replica's next dump.
    const decoded: Array<{ log: LogEntry[]; kept: number; previous: number }> = [];
    for (const d of decodeDumps(records)) decoded.push({ ...d, log: d.dump.log.slice() });
    expect(decoded.map((d) => d.log)).toEqual(dumps.map((d) => d.log));
    expect(decoded[3]).toMatchObject({ kept: 1, previous: 3 });

    // c2#1 committed at index 2 in view 1, and is overwritten in view 2: Inv and durability both see it.
    const history: Op[] = [
      { index: 0, time: 150, type: 'invoke', process: 0, f: 'write', key: 'k', value: 'c2-1' },
      {
        index: 1,
        time: 160,
        type: 'ok',
        process: 0,
        f: 'write',
        key: 'k',
        value: 'c2-1',
        commit: { view: 1, index: 2, checksum: 'h', client: 'c2', req: 1, ts: 20 },
      },
    ];
    const expected = reference({ history, dumps, replicas: ['r1'] });
    expect(expected.counts.inv).toBe(3);
    expect(checkCommitConsistency({ history, dumps: records, replicas: ['r1'] })).toEqual(expected);
  });

  it('copies what another replica’s record carried instead of writing it again, and reads it back exactly', () => {
    const [a, b, c, d, x] = [
      entry('c1', 1, 10),
      entry('c2', 1, 20),
      entry('c1', 2, 30),
      entry('c3', 1, 40),
      entry('c9', 1, 25),
    ];
    const dumps = [
      normalDump('r1', 1, [a]),
      normalDump('r2', 2, [a]),
      normalDump('r3', 3, [a]),
      normalDump('r1', 4, [a, b, c]),
      normalDump('r2', 5, [a, b, c, d]), // copies b, c from r1; writes d
      normalDump('r3', 6, [a, b]), // copies b
      normalDump('r1', 7, [a, x]), // rewritten: whole
      normalDump('r3', 8, [a, b, c]), // r1 no longer holds c at 3; r2 does
    ];
    const records = encode(dumps);
    const shape = records.map((r) =>
      isDelta(r)
        ? `${r.copy ? `${r.copy.replica}..${r.copy.to}+` : ''}${(r as { rows?: unknown[] }).rows?.length}`
        : 'whole',
    );
    expect(shape).toEqual(['whole', 'whole', 'whole', '2', 'r1..3+1', 'r1..2+0', 'whole', 'r2..3+0']);
    // The decoder changes a replica's log in place: copy each as it comes.
    const logs: LogEntry[][] = [];
    for (const r of decodeDumps(records)) logs.push(r.dump.log.slice());
    expect(logs).toEqual(dumps.map((x) => x.log));

    // A lost line (r1's delta): the copies that lean on it reach past what r1's log holds, so those replicas
    // are dropped until their next whole dump, not misread.
    const out: string[] = [];
    for (const r of decodeDumps(records.filter((_, i) => i !== 3)))
      out.push(`${r.dump.replica}:${r.dump.log.length}`);
    expect(out).toEqual(['r1:1', 'r2:1', 'r3:1', 'r1:2']);
  });

  it('encodes a system’s suffix answers from their new entries, dropping one that does not continue', () => {
    const a = entry('c1', 1, 10);
    const b = entry('c2', 1, 20);
    const c = entry('c1', 2, 30);
    const meta = {
      replica: 'r1',
      takenAt: 1,
      status: 'Normal' as const,
      view: 1,
      logViewID: 1,
      syncIndex: 0,
      inQuorum: true,
    };
    const enc = new DumpEncoder();
    const first = enc.encode({ ...meta, log: [a] })!;
    const next = enc.encode({ ...meta, takenAt: 2, from: 1, append: [b, c] })!;
    expect(next).toMatchObject({ from: 1, length: 3, append: [b, c] });
    expect(enc.encode({ ...meta, takenAt: 3, from: 1, append: [c] })).toBeNull();
    const logs = [...decodeDumps([first, next])].map((d) => d.dump.log.length);
    expect(logs).toEqual([3, 3]);
    expect(enc.encode({ ...meta, takenAt: 4, log: [a, b, c] })).toMatchObject({ from: 3, append: [] });
  });

  it('reads compacted logs: the prefix it showed is kept, one it never showed is COMPACTED, deltas continue', () => {
    const e = (i: number) => entry('c1', i, i * 10);
    const meta = {
      takenAt: 1,
      status: 'Normal' as const,
      view: 1,
      logViewID: 1,
      syncIndex: 0,
      inQuorum: true,
    };
    const enc = new DumpEncoder();
    const records = [
      enc.encode({ ...meta, replica: 'r1', log: [e(1), e(2), e(3)] }),
      enc.encode({ ...meta, replica: 'r1', log: [e(4)], compacted: { index: 3, checksum: 'x', seen: true } }),
      enc.encode({ ...meta, replica: 'r1', from: 4, append: [e(5)] }),
      enc.encode({
        ...meta,
        replica: 'r2',
        log: [e(3), e(4)],
        compacted: { index: 2, checksum: 'y', seen: false },
      }),
      enc.encode({ ...meta, replica: 'r2', from: 4, append: [e(5)] }),
    ].map((r) => JSON.parse(recordLine(r!)) as DumpRecord);
    expect(records.map((r) => isDelta(r))).toEqual([false, false, true, false, true]);
    // The decoder changes a replica's log in place: copy each as it comes.
    const logs: Array<{ log: LogEntry[]; kept: number }> = [];
    for (const d of decodeDumps(records)) logs.push({ log: d.dump.log.slice(), kept: d.kept });
    expect(logs.map((l) => l.log.length)).toEqual([3, 4, 5, 4, 5]);
    expect(logs[1]).toMatchObject({ log: [e(1), e(2), e(3), e(4)], kept: 3 });
    expect(logs[2]!.log).toEqual([e(1), e(2), e(3), e(4), e(5)]);
    expect(logs[3]!.log.slice(0, 2).every((x) => isCompacted(x))).toBe(true);
    expect(logs[4]!.log.slice(2)).toEqual([e(3), e(4), e(5)]);
    // The prefix it showed was not vouched for: placeholders, not the stale entries.
    const again: Array<{ log: LogEntry[]; kept: number }> = [];
    const unvouched = { ...records[1]!, compacted: { index: 3, checksum: 'x', seen: false } } as DumpRecord;
    for (const d of decodeDumps([records[0]!, unvouched]))
      again.push({ log: d.dump.log.slice(), kept: d.kept });
    expect(again[1]!.log.slice(0, 3).every((x) => isCompacted(x))).toBe(true);
    expect(again[1]!.kept).toBe(0);
  });

  it('checks a run killed mid-way: a torn last line, no final dumps', () => {
    const { meta, history, dumps } = fixture('seed');
    const half = Math.floor(dumps.length / 2);
    const text = encode(dumps)
      .map((r) => JSON.stringify(r))
      .join('\n');
    // Cut inside the line after the first `half` records, as a crash while writing would.
    let cut = 0;
    for (let i = 0; i < half; i++) cut = text.indexOf('\n', cut) + 1;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-dumps-'));
    const file = path.join(dir, 'dumps.jsonl');
    fs.writeFileSync(file, text.slice(0, cut + 40));
    const upTo = dumps[half - 1]!.takenAt;
    const partial = history.filter((o) => o.time <= upTo);
    const expected = reference({ history: partial, dumps: dumps.slice(0, half), replicas: meta.replicas });
    expect(
      checkCommitConsistency({ history: partial, dumps: readDumps(file), replicas: meta.replicas }),
    ).toEqual(expected);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('decoded logs', () => {
  it('hold each entry once, as numbers of one table shared by the replicas', () => {
    const log = [entry('a', 1, 10), entry('b', 1, 20), entry('a', 2, 30)];
    const odd = { ts: 'late', client: 7, req: null, op: { f: 'read', key: 'k' } } as unknown as LogEntry;
    const records = encode([
      normalDump('r1', 1, log),
      normalDump('r2', 2, [...log.slice(0, 2), entry('c', 1, 25)]),
    ]);
    const decoded = [...decodeDumps(records)];
    const [r1, r2] = decoded.map((d) => d.dump.log);
    expect(r1!.table).toBe(r2!.table);
    // Equal entries at the same index are one entry of the table; a different one is its own.
    expect([0, 1, 2].map((i) => r1!.idAt(i) === r2!.idAt(i))).toEqual([true, true, false]);
    expect(r2!.table.length).toBe(4);
    // Read back as the objects they were, each time a new one, and compared by value.
    expect(r2!.slice()).toEqual([...log.slice(0, 2), entry('c', 1, 25)]);
    expect([...r1!]).toEqual(log);
    expect(r1!.at(-1)).toBeUndefined();
    expect(r1!.at(3)).toBeUndefined();
    // Fields the columns cannot hold as they are keep the entry whole.
    const id = r1!.table.add(odd, 0);
    expect(r1!.table.get(id)).toBe(odd);
    expect(r1!.table.holds(id, { ...odd })).toBe(true);
  });
});

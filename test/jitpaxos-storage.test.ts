import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { PersistRecord } from '../jitpaxos/effects.js';
import type { Entry } from '../jitpaxos/messages.js';
import {
  crc32Portable,
  type DurableState,
  MARKER_FILE,
  MemoryStore,
  replayWal,
  WAL_FILE,
  Wal,
} from '../jitpaxos/storage.js';

const dirs: string[] = [];
const open: Wal[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) await w.close().catch(() => {});
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-wal-'));
  dirs.push(d);
  return d;
}

function openWal(dir: string, fsync = true) {
  const r = Wal.open(dir, { fsync });
  open.push(r.wal);
  return r;
}

async function closeWal(w: Wal): Promise<void> {
  await w.close();
  open.splice(open.indexOf(w), 1);
}

const e = (i: number): Entry => ({
  ts: 1_000_000 + i,
  client: `c${i % 3}`,
  req: i,
  op: { f: 'write', key: `k${i}`, value: `v${i}\n"é` }, // newline and quotes must not break lines
});
const meta = (view: number, status: DurableState['status'] = 'Normal', syncIndex = 0): PersistRecord => ({
  t: 'meta',
  view,
  status,
  logViewID: view,
  syncIndex,
});

describe('storage', () => {
  it('crc32 fallback agrees with zlib', () => {
    for (const s of ['', 'a', '123456789', 'é☃'.repeat(100)]) {
      expect(crc32Portable(Buffer.from(s))).toBe(zlib.crc32(Buffer.from(s)));
    }
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('first boot: no state, trusted, marker and WAL created', async () => {
    const dir = path.join(tmpDir(), 'nested', 'data');
    const r = openWal(dir);
    expect(r.state).toBeNull();
    expect(r.trusted).toBe(true);
    expect(fs.existsSync(path.join(dir, MARKER_FILE))).toBe(true);
    expect(fs.existsSync(path.join(dir, WAL_FILE))).toBe(true);
    await closeWal(r.wal);
    // A WAL with no records is still "nothing persisted", and still trusted.
    const again = openWal(dir);
    expect(again.state).toBeNull();
    expect(again.trusted).toBe(true);
  });

  it('records survive close and reopen', async () => {
    const dir = tmpDir();
    const a = openWal(dir);
    a.wal.record([meta(1), { t: 'append', entries: [e(1), e(2)] }]);
    await a.wal.flush();
    a.wal.record([{ t: 'append', entries: [e(3)] }, meta(2, 'ViewChange', 2)]);
    await closeWal(a.wal); // close flushes
    const b = openWal(dir);
    expect(b.trusted).toBe(true);
    expect(b.notes).toEqual([]);
    expect(b.state).toEqual({
      view: 2,
      status: 'ViewChange',
      logViewID: 2,
      syncIndex: 2,
      log: [e(1), e(2), e(3)],
    });
  });

  it('incarnations survive reopen and compaction; a later meta without them clears them', async () => {
    const dir = tmpDir();
    const a = openWal(dir);
    a.wal.record([
      { t: 'meta', view: 3, status: 'Normal', logViewID: 3, syncIndex: 0, incarnations: { r1: 2, r3: 1 } },
    ]);
    await closeWal(a.wal);
    const b = openWal(dir); // compacts on open: the meta record keeps them
    expect(b.state?.incarnations).toEqual({ r1: 2, r3: 1 });
    b.wal.record([meta(4)]);
    await closeWal(b.wal);
    expect(openWal(dir).state?.incarnations).toBeUndefined();
  });

  it('replays truncate then append in order', async () => {
    const dir = tmpDir();
    const a = openWal(dir);
    a.wal.record([meta(1), { t: 'append', entries: [e(1), e(2), e(3), e(4)] }]);
    a.wal.record([
      { t: 'truncate', length: 2 },
      { t: 'append', entries: [e(10)] },
    ]);
    a.wal.record([
      { t: 'truncate', length: 1 },
      { t: 'append', entries: [e(11), e(12)] },
      meta(3, 'Normal', 3),
    ]);
    await closeWal(a.wal);
    const b = openWal(dir);
    expect(b.state?.log).toEqual([e(1), e(11), e(12)]);
    expect(b.state?.view).toBe(3);
    expect(b.trusted).toBe(true);
  });

  it('ignores a torn last record, keeps the earlier state, and stays consistent after more appends', async () => {
    const dir = tmpDir();
    const a = openWal(dir);
    a.wal.record([meta(1), { t: 'append', entries: [e(1)] }]);
    await a.wal.flush();
    a.wal.record([{ t: 'append', entries: [e(2)] }]);
    await closeWal(a.wal);
    const file = path.join(dir, WAL_FILE);
    const bytes = fs.readFileSync(file);
    fs.truncateSync(file, bytes.length - 7); // cut the last record short, as a crash mid-write would

    const b = openWal(dir);
    expect(b.trusted).toBe(true);
    expect(b.state?.log).toEqual([e(1)]);
    expect(b.notes.join()).toMatch(/ignored bad last record/);
    // The compaction removed the torn tail, so records appended now are not stranded behind it.
    b.wal.record([{ t: 'append', entries: [e(3)] }]);
    await closeWal(b.wal);
    const c = openWal(dir);
    expect(c.trusted).toBe(true);
    expect(c.notes).toEqual([]);
    expect(c.state?.log).toEqual([e(1), e(3)]);
  });

  it('a complete last record with a bad CRC is also ignored as torn', () => {
    const good = '{"t":"meta","view":4,"status":"Normal","logViewID":4,"syncIndex":0}';
    const crc = zlib.crc32(Buffer.from(good)).toString(16).padStart(8, '0');
    const r = replayWal(Buffer.from(`${crc} ${good}\n${crc} ${good.replace('4', '5')}\n`));
    expect(r.trusted).toBe(true);
    expect(r.state?.view).toBe(4);
    expect(r.notes.join()).toMatch(/CRC mismatch/);
  });

  it('corruption in the middle means untrusted; the next boot is Recovering, and the damaged WAL is kept', async () => {
    const dir = tmpDir();
    const a = openWal(dir);
    a.wal.record([meta(5)]);
    a.wal.record([{ t: 'append', entries: [e(1)] }]);
    await a.wal.flush();
    a.wal.record([{ t: 'append', entries: [e(2)] }]);
    a.wal.record([{ t: 'append', entries: [e(3)] }]);
    await closeWal(a.wal);
    const file = path.join(dir, WAL_FILE);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    // Flip one character inside the third record's JSON (e(2)'s key), keeping the line structure.
    lines[2] = lines[2]!.replace('"k2"', '"k9"');
    fs.writeFileSync(file, lines.join('\n'));

    const b = openWal(dir);
    expect(b.trusted).toBe(false);
    expect(b.notes.join()).toMatch(/corrupt record 3 of 4/);
    expect(b.state).toEqual({ view: 5, status: 'Recovering', logViewID: 0, syncIndex: 0, log: [] });
    expect(fs.readdirSync(dir).some((f) => f.startsWith(`${WAL_FILE}.corrupt-`))).toBe(true);
    await closeWal(b.wal);
    // A crash before recovery finishes must not come back trusting an empty log in Normal status.
    const c = openWal(dir);
    expect(c.trusted).toBe(true);
    expect(c.state?.status).toBe('Recovering');
  });

  it('the initialized marker without a WAL means untrusted', async () => {
    const dir = tmpDir();
    const a = openWal(dir);
    a.wal.record([meta(2), { t: 'append', entries: [e(1)] }]);
    await closeWal(a.wal);
    fs.rmSync(path.join(dir, WAL_FILE));
    const b = openWal(dir);
    expect(b.trusted).toBe(false);
    expect(b.notes.join()).toMatch(/marker present/);
    expect(b.state?.status).toBe('Recovering');
    expect(b.state?.log).toEqual([]);
  });

  it('group commit: 100 concurrent record+flush calls take far fewer than 100 fsyncs, all durable', async () => {
    const dir = tmpDir();
    const a = openWal(dir);
    const before = { ...a.wal.stats };
    const resolvedBeforeDurable: number[] = [];
    const flushes = Array.from({ length: 100 }, (_, i) => {
      a.wal.record([{ t: 'append', entries: [e(i)] }]);
      return a.wal.flush().then(() => {
        // Each flush resolves only after a write that included its record.
        if (a.wal.stats.writes === before.writes) resolvedBeforeDurable.push(i);
      });
    });
    await Promise.all(flushes);
    expect(resolvedBeforeDurable).toEqual([]);
    const fsyncs = a.wal.stats.fsyncs - before.fsyncs;
    expect(fsyncs).toBeGreaterThan(0);
    expect(fsyncs).toBeLessThan(100);
    expect(fsyncs).toBeLessThanOrEqual(3); // first record alone, then the other 99 coalesced
    await closeWal(a.wal);
    const b = openWal(dir);
    expect(b.state?.log).toEqual(Array.from({ length: 100 }, (_, i) => e(i)));
  });

  it('flush with nothing new still waits for the batch in flight', async () => {
    const dir = tmpDir();
    const a = openWal(dir);
    a.wal.record([meta(1)]);
    const first = a.wal.flush();
    // Same caller, records already taken by the batch in flight: must not resolve before that batch's fsync.
    const second = a.wal.flush().then(() => {
      expect(a.wal.stats.fsyncs).toBeGreaterThanOrEqual(1);
    });
    await Promise.all([first, second]);
  });

  it('compaction on open leaves one meta and one append whose replay equals the state', async () => {
    const dir = tmpDir();
    const a = openWal(dir, false);
    let model: Entry[] = [];
    for (let i = 0; i < 50; i++) {
      a.wal.record([{ t: 'append', entries: [e(i)] }, meta(i, 'Normal', i)]);
      model.push(e(i));
      if (i % 10 === 9) {
        const length = model.length - 3;
        a.wal.record([{ t: 'truncate', length }]);
        model = model.slice(0, length);
      }
    }
    await closeWal(a.wal);
    const b = openWal(dir, false);
    const raw = fs.readFileSync(path.join(dir, WAL_FILE));
    expect(raw.toString('utf8').trimEnd().split('\n')).toHaveLength(2);
    const replayed = replayWal(raw);
    expect(replayed.trusted).toBe(true);
    expect(replayed.records).toBe(2);
    expect(replayed.state).toEqual(b.state);
    expect(b.state?.view).toBe(49);
    expect(b.state?.log).toEqual(model);
    expect(model).toHaveLength(35);
  });

  it('rejects record after close', async () => {
    const a = openWal(tmpDir());
    await closeWal(a.wal);
    expect(() => a.wal.record([meta(1)])).toThrow(/after close/);
  });

  it('MemoryStore has the same surface and keeps nothing', async () => {
    const r = MemoryStore.open();
    expect(r.state).toBeNull();
    expect(r.trusted).toBe(true);
    r.wal.record([meta(2), { t: 'append', entries: [e(1), e(2)] }, { t: 'truncate', length: 1 }]);
    await r.wal.flush();
    expect(r.wal.snapshot()).toEqual({ view: 2, status: 'Normal', logViewID: 2, syncIndex: 0, log: [e(1)] });
    await r.wal.close();
    expect(MemoryStore.open().state).toBeNull();
  });
});

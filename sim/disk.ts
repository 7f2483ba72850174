/**
 * A replica's simulated disk. Records are written (into the page cache) as the core emits them and become
 * durable only when a sync that started after them completes. A crash (kill -9) loses the process's
 * memory but not the page cache; a power loss also loses what was not synced, except that a prefix of the
 * unsynced tail may have reached the platter (a torn tail, which the real WAL drops as an unfinished write).
 *
 * A checkpoint (a `snapshot` record) is the real WAL's atomic rewrite: once synced, everything durable is
 * compacted to what `compactRecords` gives (the same function the WAL writes its file with); before that, it
 * is lost whole or kept whole, never torn, and so are the records after it (they go into the same rewrite).
 */
import type { PersistRecord } from '../jitpaxos/effects.js';
import { applyRecord, compactRecords, type DurableState } from '../jitpaxos/storage.js';

export class SimDisk {
  private records: PersistRecord[] = [];
  /** records[0..synced) are durable. */
  private synced = 0;
  /** Records dropped by checkpoints, so that `written` and `durable` only grow (the replica waits on them). */
  private dropped = 0;
  /** Set by a power loss that left a record half-written in the middle: the next open cannot trust the WAL. */
  corrupt = false;

  get written(): number {
    return this.dropped + this.records.length;
  }
  get durable(): number {
    return this.dropped + this.synced;
  }
  get empty(): boolean {
    return this.records.length === 0;
  }
  /** Records on disk now (what replay reads). */
  get size(): number {
    return this.records.length;
  }

  write(r: PersistRecord): void {
    this.records.push(r);
  }

  /** A sync that started when `upTo` records were written has completed. */
  markSynced(upTo: number): void {
    const before = this.synced;
    this.synced = Math.max(this.synced, Math.min(upTo - this.dropped, this.records.length));
    let checkpoint = false;
    for (let i = before; i < this.synced; i++) if (this.records[i]!.t === 'snapshot') checkpoint = true;
    if (!checkpoint) return;
    const head = compactRecords(replayRecords(this.records.slice(0, this.synced)));
    this.dropped += this.synced - head.length;
    this.records = head.concat(this.records.slice(this.synced));
    this.synced = head.length;
  }

  /** Power loss: unsynced records are lost, except `keep` of them (a prefix that happened to land). */
  powerLoss(keep: number): number {
    const unsynced = this.records.length - this.synced;
    // A checkpoint not yet synced is a rewrite that never happened: it and what follows are gone.
    let landed = Math.max(0, Math.min(keep, unsynced));
    for (let i = 0; i < landed; i++) if (this.records[this.synced + i]!.t === 'snapshot') landed = i;
    this.records.length = this.synced + landed;
    this.synced = this.records.length;
    return unsynced - landed;
  }

  /** Start over with `records` as the whole, synced content (what the real WAL does when it cannot trust itself). */
  replaceAll(records: PersistRecord[]): void {
    this.records = records.slice();
    this.synced = this.records.length;
  }

  /** What a restart replays: the state after every record on disk, in order. */
  replay(): DurableState | null {
    return this.records.length === 0 ? null : replayRecords(this.records);
  }

  /** Whether what is synced lets the replica trust itself after a restart (not damaged, not Recovering). */
  trustedWhenSynced(): boolean {
    if (this.corrupt) return false;
    const s: DurableState = { view: 0, status: 'Normal', logViewID: 0, syncIndex: 0, log: [] };
    for (let i = 0; i < this.synced; i++) {
      const r = this.records[i]!;
      if (r.t === 'meta') applyRecord(s, r);
    }
    return s.status !== 'Recovering';
  }

  /** Compact to the replayed state, as the real WAL does on open, so replays stay short. */
  compact(): void {
    const s = this.replay();
    if (!s) return;
    this.dropped += this.records.length;
    this.records = compactRecords(s);
    this.dropped -= this.records.length;
    this.synced = this.records.length;
  }
}

function replayRecords(records: readonly PersistRecord[]): DurableState {
  const s: DurableState = { view: 0, status: 'Normal', logViewID: 0, syncIndex: 0, log: [] };
  for (const r of records) applyRecord(s, r);
  return s;
}

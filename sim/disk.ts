/**
 * A replica's simulated disk. Records are written (into the page cache) as the core emits them and become
 * durable only when a sync that started after them completes. A crash (kill -9) loses the process's
 * memory but not the page cache; a power loss also loses what was not synced, except that a prefix of the
 * unsynced tail may have reached the platter (a torn tail, which the real WAL drops as an unfinished write).
 */
import type { PersistRecord } from '../jitpaxos/effects.js';
import { applyRecord, type DurableState } from '../jitpaxos/storage.js';

export class SimDisk {
  private records: PersistRecord[] = [];
  /** records[0..synced) are durable. */
  private synced = 0;
  /** Set by a power loss that left a record half-written in the middle: the next open cannot trust the WAL. */
  corrupt = false;

  get written(): number {
    return this.records.length;
  }
  get durable(): number {
    return this.synced;
  }
  get empty(): boolean {
    return this.records.length === 0;
  }

  write(r: PersistRecord): void {
    this.records.push(r);
  }

  /** A sync that started when `upTo` records were written has completed. */
  markSynced(upTo: number): void {
    this.synced = Math.max(this.synced, Math.min(upTo, this.records.length));
  }

  /** Power loss: unsynced records are lost, except `keep` of them (a prefix that happened to land). */
  powerLoss(keep: number): number {
    const lost = this.records.length - this.synced - keep;
    this.records.length = this.synced + Math.max(0, Math.min(keep, this.records.length - this.synced));
    this.synced = this.records.length;
    return Math.max(0, lost);
  }

  /** Start over with `records` as the whole, synced content (what the real WAL does when it cannot trust itself). */
  replaceAll(records: PersistRecord[]): void {
    this.records = records.slice();
    this.synced = this.records.length;
  }

  /** What a restart replays: the state after every record on disk, in order. */
  replay(): DurableState | null {
    if (this.records.length === 0) return null;
    const s: DurableState = { view: 0, status: 'Normal', logViewID: 0, syncIndex: 0, log: [] };
    for (const r of this.records) applyRecord(s, r);
    return s;
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
    const meta: PersistRecord = {
      t: 'meta',
      view: s.view,
      status: s.status,
      logViewID: s.logViewID,
      syncIndex: s.syncIndex,
    };
    this.records = s.log.length > 0 ? [{ t: 'append', entries: s.log }, meta] : [meta];
    this.synced = this.records.length;
  }
}

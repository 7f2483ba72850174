/** The comparisons and wording commit consistency uses, shared by its streaming checker. */

import type { Op } from '../core/history.js';
import type { CommitRef, LogEntry } from './types.js';

/** The commit an ok client operation reports, if any. */
export function commitOf(op: Op): (CommitRef & { time: number }) | null {
  if (op.type !== 'ok' || op.process === 'nemesis' || !op.commit) return null;
  const c = op.commit;
  const ref: CommitRef & { time: number } = {
    opIndex: op.index,
    process: op.process,
    view: c.view,
    index: c.index,
    checksum: c.checksum,
    f: op.f,
    value: op.value,
    time: op.time,
  };
  if (op.key !== undefined) ref.key = op.key;
  if (c.client !== undefined) ref.client = c.client;
  if (c.req !== undefined) ref.req = c.req;
  if (c.ts !== undefined) ref.ts = c.ts;
  return ref;
}

/** Whether a log entry is the commit's request: by identity when the commit names one. */
export function holds(entry: LogEntry | undefined, c: CommitRef): boolean {
  if (!entry) return false;
  if (c.client !== undefined && c.req !== undefined) {
    return entry.client === c.client && entry.req === c.req && (c.ts === undefined || entry.ts === c.ts);
  }
  // Without an identity, compare what the entry does with what the client asked.
  return sameOp(entry, c);
}

function sameOp(entry: LogEntry, c: CommitRef): boolean {
  const op = entry.op;
  if (op.f !== c.f || (c.key !== undefined && op.key !== c.key)) return false;
  if (op.f === 'write') return op.value === c.value;
  if (op.f === 'cas') {
    const [expected, next] = Array.isArray(c.value) ? c.value : [undefined, undefined];
    return op.expected === expected && op.value === next;
  }
  return true;
}

export function sameCommit(a: CommitRef, b: CommitRef): boolean {
  if (a.client !== undefined && a.req !== undefined && b.client !== undefined && b.req !== undefined) {
    return (
      a.client === b.client && a.req === b.req && (a.ts === undefined || b.ts === undefined || a.ts === b.ts)
    );
  }
  // Without identities: the checksum covers the whole prefix ending at the index, whatever the view.
  return a.checksum === b.checksum;
}

/** The commit as a violation shows it: without what a checker added to hold it. */
export function strip(c: CommitRef & { time?: number; order?: number; position?: number }): CommitRef {
  const { time: _time, order: _order, position: _position, ...ref } = c;
  return ref;
}

export function requestKey(e: LogEntry): string {
  return `${e.client}\u0000${e.req}`;
}

export function describeEntry(e: LogEntry): string {
  return `${e.client}#${e.req}@${e.ts}`;
}

/**
 * Log order: strictly increasing timestamps, where two different clients may share a timestamp and are then
 * ordered by client id and request id (the fixed protocol's (ts, client, req) order; clocks do tie).
 */
export function ordered(a: LogEntry, b: LogEntry): boolean {
  if (a.ts !== b.ts) return a.ts < b.ts;
  if (a.client !== b.client) return a.client < b.client;
  return a.req < b.req;
}

export function describeCommit(c: CommitRef): string {
  return c.client !== undefined
    ? `${c.client}#${c.req}${c.ts === undefined ? '' : `@${c.ts}`}`
    : `op ${c.opIndex}`;
}

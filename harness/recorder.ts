/**
 * Records the history as it happens: each event is appended to history.jsonl with one write before the
 * caller goes on, so a crash of jitter loses nothing already recorded (well inside "the last second").
 */
import fs from 'node:fs';
import type { EDNVal } from 'edn-data';
import { toEDNString, toKeyword } from 'edn-data';
import type { ClientOp, ClientOutcome } from '../core/db.js';
import type { History, Op, ProcessId } from '../core/history.js';

export class HistoryRecorder {
  readonly ops: History = [];
  private readonly fd: number | null;
  private readonly t0 = process.hrtime.bigint();
  private closed = false;

  /**
   * `file` null keeps the history in memory only; `clock` (ns since the run started) replaces the real
   * clock, so that a simulation records simulated time.
   */
  constructor(
    readonly file: string | null,
    private readonly clock?: () => number,
  ) {
    this.fd = file === null ? null : fs.openSync(file, 'a');
  }

  /** Nanoseconds since the recorder started (the run's clock). */
  now(): number {
    return this.clock ? this.clock() : Number(process.hrtime.bigint() - this.t0);
  }

  private append(op: Omit<Op, 'index' | 'time'>): Op {
    const full = { index: this.ops.length, time: this.now(), ...op } as Op;
    this.ops.push(full);
    if (!this.closed && this.fd !== null) fs.writeSync(this.fd, `${JSON.stringify(full)}\n`);
    return full;
  }

  invoke(process: number, op: ClientOp): Op {
    return this.append({
      type: 'invoke',
      process,
      f: op.f,
      ...(op.key !== undefined ? { key: op.key } : {}),
      value: op.value,
    });
  }

  complete(process: number, op: ClientOp, outcome: ClientOutcome): Op {
    const key = op.key !== undefined ? { key: op.key } : {};
    switch (outcome.type) {
      case 'ok':
        return this.append({
          type: 'ok',
          process,
          f: op.f,
          ...key,
          value: outcome.value,
          ...(outcome.commit ? { commit: outcome.commit } : {}),
        });
      case 'fail':
        return this.append({
          type: 'fail',
          process,
          f: op.f,
          ...key,
          value: op.value,
          error: outcome.error,
          ...(outcome.commit ? { commit: outcome.commit } : {}),
        });
      case 'info':
        return this.append({ type: 'info', process, f: op.f, ...key, value: op.value, error: outcome.error });
    }
  }

  nemesis(f: string, value: unknown): Op {
    return this.append({ type: 'info', process: 'nemesis', f, value });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== null) fs.closeSync(this.fd);
  }
}

/** Jepsen's EDN: one map per line, keywords for type, f and nemesis process. */
export function historyToEdn(history: History): string {
  const kw = (s: string) => toKeyword(s);
  const proc = (p: ProcessId): EDNVal => (p === 'nemesis' ? kw('nemesis') : p);
  const val = (v: unknown): EDNVal => {
    if (v === null || v === undefined) return null;
    if (Array.isArray(v)) return v.map(val);
    if (typeof v === 'object') return { map: Object.entries(v as object).map(([k, x]) => [kw(k), val(x)]) };
    return v as EDNVal;
  };
  return history
    .map((op) => {
      const pairs: Array<[EDNVal, EDNVal]> = [
        [kw('index'), op.index],
        [kw('time'), op.time],
        [kw('type'), kw(op.type)],
        [kw('process'), proc(op.process)],
        [kw('f'), kw(op.f)],
      ];
      if (op.key !== undefined) pairs.push([kw('key'), op.key]);
      pairs.push([kw('value'), val(op.value)]);
      if (op.error !== undefined) pairs.push([kw('error'), op.error]);
      return toEDNString({ map: pairs });
    })
    .join('\n')
    .concat(history.length > 0 ? '\n' : '');
}

/** Turns a parsed record (EDN map or JSON object) into a history Op, checking each field. */
import type { Op, OpType } from '../../core/history.js';
import { HistoryError } from '../errors.js';

const TYPES = new Set<OpType>(['invoke', 'ok', 'fail', 'info']);

export function toOp(rec: unknown, file: string, line: number, index: number): Op {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
    throw new HistoryError(file, line, null, 'expected an operation map');
  }
  const r = rec as Record<string, unknown>;
  const type = r.type;
  if (typeof type !== 'string' || !TYPES.has(type as OpType)) {
    throw new HistoryError(
      file,
      line,
      'type',
      `must be one of invoke, ok, fail, info; got ${JSON.stringify(type)}`,
    );
  }
  let process: Op['process'];
  if (r.process === 'nemesis') process = 'nemesis';
  else if (typeof r.process === 'number' && Number.isInteger(r.process) && r.process >= 0)
    process = r.process;
  else
    throw new HistoryError(
      file,
      line,
      'process',
      `must be a non-negative integer or nemesis; got ${JSON.stringify(r.process)}`,
    );
  if (typeof r.f !== 'string')
    throw new HistoryError(file, line, 'f', `must be a keyword; got ${JSON.stringify(r.f)}`);
  if (process !== 'nemesis' && !('value' in r)) throw new HistoryError(file, line, 'value', 'is missing');
  const op: Op = {
    index,
    time: typeof r.time === 'number' ? r.time : line,
    type: type as OpType,
    process,
    f: r.f,
    value: r.value === undefined ? null : r.value,
  };
  if (r.key !== undefined && r.key !== null) {
    if (typeof r.key !== 'string' && typeof r.key !== 'number') {
      throw new HistoryError(file, line, 'key', `must be a string or number; got ${JSON.stringify(r.key)}`);
    }
    op.key = String(r.key);
  }
  if (typeof r.error === 'string') op.error = r.error;
  return op;
}

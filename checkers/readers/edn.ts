/** Jepsen EDN histories (also Porcupine's kv logs, which are one EDN map per line). */
import { parseEDNString } from 'edn-data';
import type { History } from '../../core/history.js';
import { HistoryError } from '../errors.js';
import { toOp } from './convert.js';
import { EdnStructureError, ednRecords } from './edn-records.js';

const OPTIONS = { mapAs: 'object', keywordAs: 'string', listAs: 'array', setAs: 'array' } as const;

export function readEdn(text: string, file: string): { history: History; lines: number[] } {
  let records: ReturnType<typeof ednRecords>;
  try {
    records = ednRecords(text);
  } catch (err) {
    if (err instanceof EdnStructureError) throw new HistoryError(file, err.line, null, err.message);
    throw err;
  }
  const history: History = [];
  const lines: number[] = [];
  for (const rec of records) {
    let value: unknown;
    try {
      value = parseEDNString(rec.text, OPTIONS);
    } catch (err) {
      throw new HistoryError(file, rec.line, null, `invalid EDN: ${(err as Error).message}`);
    }
    // edn-data gives a tagged record as {tag, val}.
    if (value !== null && typeof value === 'object' && 'tag' in value && 'val' in value) value = value.val;
    history.push(toOp(value, file, rec.line, history.length));
    lines.push(rec.line);
  }
  return { history, lines };
}

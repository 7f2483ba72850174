/** Porcupine's etcd logs: `INFO  jepsen.util - <process> <type> <f> <value>`, fields split by any whitespace. */
import { parseEDNString } from 'edn-data';
import type { History, OpType } from '../../core/history.js';
import { HistoryError } from '../errors.js';

const LINE = /^INFO\s+jepsen\.util\s+-\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*?)\s*$/;
const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

export function readPorcupineEtcd(text: string, file: string): { history: History; lines: number[] } {
  const history: History = [];
  const lines: number[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.trim() === '') continue;
    const line = i + 1;
    const m = LINE.exec(row);
    if (!m)
      throw new HistoryError(file, line, null, 'expected "INFO  jepsen.util - <process> <type> <f> <value>"');
    const [, proc, type, f, raw] = m as unknown as [string, string, string, string, string];
    if (!/^\d+$/.test(proc))
      throw new HistoryError(file, line, 'process', `must be an integer; got "${proc}"`);
    const t = type.startsWith(':') ? type.slice(1) : '';
    if (!TYPES.has(t))
      throw new HistoryError(file, line, 'type', `must be :invoke, :ok, :fail or :info; got "${type}"`);
    if (!f.startsWith(':')) throw new HistoryError(file, line, 'f', `must be a keyword; got "${f}"`);
    let value: unknown;
    try {
      value = raw === '' ? null : parseEDNString(raw, { keywordAs: 'string', listAs: 'array' });
    } catch (err) {
      throw new HistoryError(file, line, 'value', `invalid EDN "${raw}": ${(err as Error).message}`);
    }
    // edn-data returns null for some malformed text (e.g. "[1 2") instead of throwing.
    if ((value === null || value === undefined) && raw !== 'nil' && raw !== '') {
      throw new HistoryError(file, line, 'value', `invalid EDN "${raw}"`);
    }
    history.push({
      index: history.length,
      time: line,
      type: t as OpType,
      process: Number(proc),
      f: f.slice(1),
      value,
    });
    lines.push(line);
  }
  return { history, lines };
}

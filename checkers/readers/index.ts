/** Reading a history file in any supported format, with format sniffing and pairing checks. */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { History } from '../../core/history.js';
import { HistoryError } from '../errors.js';
import { PairingError, pairOperations } from '../operations.js';
import { readEdn } from './edn.js';
import { readJsonl } from './jsonl.js';
import { readPorcupineEtcd } from './porcupine-etcd.js';

export const FORMATS = ['jepsen-edn', 'porcupine-etcd', 'porcupine-kv', 'jsonl'] as const;
export type Format = (typeof FORMATS)[number];

export interface ReadHistory {
  history: History;
  format: Format;
  /** Source line of each history event. */
  lines: number[];
}

export function sniffFormat(file: string, text: string): Format {
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl') return 'jsonl';
  if (ext === '.edn') return 'jepsen-edn';
  const first = text.trimStart();
  if (first.startsWith('INFO')) return 'porcupine-etcd';
  if (first.startsWith('{"')) return 'jsonl';
  if (first.startsWith('{:process') && /:f :(get|put|append)\b/.test(first.slice(0, 200)))
    return 'porcupine-kv';
  return 'jepsen-edn';
}

export function parseHistory(text: string, file: string, format: Format | 'auto' = 'auto'): ReadHistory {
  const fmt = format === 'auto' ? sniffFormat(file, text) : format;
  const read =
    fmt === 'jsonl'
      ? readJsonl(text, file)
      : fmt === 'porcupine-etcd'
        ? readPorcupineEtcd(text, file)
        : readEdn(text, file);
  try {
    pairOperations(read.history);
  } catch (err) {
    if (err instanceof PairingError)
      throw new HistoryError(file, read.lines[err.position] ?? null, err.field, err.message);
    throw err;
  }
  return { ...read, format: fmt };
}

export function readHistoryFile(file: string, format: Format | 'auto' = 'auto'): ReadHistory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HistoryError(
      file,
      null,
      null,
      `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseHistory(text, file, format);
}

/** The model a format implies when none is given. */
export function defaultModel(format: Format, history: History): string {
  if (format === 'porcupine-etcd') return 'etcd-register';
  if (format === 'porcupine-kv') return 'kv';
  if (format === 'jsonl') return 'jitter-kv';
  return history.some((op) => op.f === 'get' || op.f === 'put' || op.f === 'append') ? 'kv' : 'cas-register';
}

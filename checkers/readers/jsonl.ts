/** jitter's own history.jsonl: one Op per line, validated against OP_SCHEMA with ajv. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { History, Op } from '../../core/history.js';
import { HistoryError } from '../errors.js';
import { OP_SCHEMA } from './history-schema.js';

// Compiled on first use: every program that loads the checkers (a simulator worker among them) would
// otherwise pay for the compile at startup, reading a history file or not.
let compiled: ValidateFunction<Op> | null = null;
function validator(): ValidateFunction<Op> {
  compiled ??= new Ajv({ allErrors: false, strict: false }).compile<Op>(OP_SCHEMA);
  return compiled;
}

function fieldOf(err: ErrorObject): string | null {
  if (err.keyword === 'required') return String((err.params as { missingProperty: string }).missingProperty);
  if (err.keyword === 'additionalProperties') {
    return String((err.params as { additionalProperty: string }).additionalProperty);
  }
  const path = err.instancePath.replace(/^\//, '').replace(/\//g, '.');
  return path === '' ? null : path;
}

function explain(err: ErrorObject): string {
  if (err.keyword === 'required') return 'is missing';
  if (err.keyword === 'additionalProperties') return 'is not a known field';
  if (err.keyword === 'enum')
    return `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return err.message ?? 'is invalid';
}

export function readJsonl(text: string, file: string): { history: History; lines: number[] } {
  const history: History = [];
  const lines: number[] = [];
  const rows = text.split('\n');
  let lastIndex = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.trim() === '') continue;
    const line = i + 1;
    let rec: unknown;
    try {
      rec = JSON.parse(row);
    } catch (err) {
      throw new HistoryError(file, line, null, `invalid JSON: ${(err as Error).message}`);
    }
    const validate = validator();
    if (!validate(rec)) {
      const err = validate.errors?.[0];
      // oneOf / if-then report on the parent; the deepest error names the field best.
      throw new HistoryError(file, line, err ? fieldOf(err) : null, err ? explain(err) : 'invalid operation');
    }
    if (rec.index <= lastIndex) {
      throw new HistoryError(file, line, 'index', `must increase (previous ${lastIndex}, here ${rec.index})`);
    }
    lastIndex = rec.index;
    history.push(rec);
    lines.push(line);
  }
  return { history, lines };
}

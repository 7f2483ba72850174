/** jitter's own history.jsonl: one Op per line, validated against OP_SCHEMA with ajv. */

import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { History, Op } from '../../core/history.js';
import { fileLines } from '../../core/lines.js';
import { HistoryError } from '../errors.js';
import { Pairer, PairingError } from '../operations.js';
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

/** One line's event, validated (schema, increasing index); throws a HistoryError naming the line. */
function parseLine(row: string, file: string, line: number, lastIndex: number): Op {
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
  return rec;
}

/**
 * A torn last line: the file's final line, not ended by a newline, and not JSON. A harness killed while it
 * wrote an event leaves one (the recorder writes each event and its newline in one write); it is skipped, as the
 * streaming reader (harness/jsonl-stream.ts) skips it. A bad line anywhere else is an error.
 */
function isTorn(row: string): boolean {
  try {
    JSON.parse(row);
    return false;
  } catch {
    return true;
  }
}

export function readJsonl(text: string, file: string): { history: History; lines: number[] } {
  const history: History = [];
  const lines: number[] = [];
  const rows = text.split('\n');
  // When the text ends with a newline, the last row is empty: nothing can be torn.
  const last = rows.length - 1;
  let lastIndex = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.trim() === '') continue;
    if (i === last && isTorn(row)) break;
    const rec = parseLine(row, file, i + 1, lastIndex);
    lastIndex = rec.index;
    history.push(rec);
    lines.push(i + 1);
  }
  return { history, lines };
}

/**
 * Validates a history.jsonl file as readHistoryFile would (schema, increasing index, pairing), reading it a
 * line at a time: what `analyze` does before streaming the file to the checkers. Returns the event count.
 */
export function validateJsonlFile(file: string): number {
  const pairer = new Pairer();
  let lastIndex = -1;
  let line = 0;
  let events = 0;
  if (!existsSync(file)) throw new HistoryError(file, null, null, 'cannot read: ENOENT');
  for (const [row, final] of withFinal(fileLines(file))) {
    line++;
    if (row.trim() === '') continue;
    if (final && !endsWithNewline(file) && isTorn(row)) break;
    const rec = parseLine(row, file, line, lastIndex);
    lastIndex = rec.index;
    try {
      pairer.event(rec, events++);
    } catch (err) {
      if (err instanceof PairingError) throw new HistoryError(file, line, err.field, err.message);
      throw err;
    }
  }
  return events;
}

function endsWithNewline(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Each item, and whether it is the last. */
function* withFinal<T>(items: Iterable<T>): Generator<[T, boolean]> {
  let held: { item: T } | null = null;
  for (const item of items) {
    if (held) yield [held.item, false];
    held = { item };
  }
  if (held) yield [held.item, true];
}

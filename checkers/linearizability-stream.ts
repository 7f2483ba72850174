/**
 * Linearizability of a history read as a stream (e.g. history.jsonl, a line at a time), in memory bounded by
 * the largest key's operations rather than the history: operations are paired as they complete, spilled to
 * one file per key once the buffers grow past a bound, and each key is then searched alone, one after another.
 * The verdict is checkHistory's: the same pairing, partitioning, search and limits; only when several keys
 * fail may another one's counterexample be shown (the first key in order here, the first found there).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Op } from '../core/history.js';
import { fileLines } from '../core/lines.js';
import {
  assemble,
  assertKnown,
  modelOf,
  partitionLabel,
  type SearchedPartition,
  searchLimits,
} from './linearizability.js';
import { OpTable } from './op-table.js';
import { Pairer } from './operations.js';
import { searchPartition } from './search.js';
import type { LinearizabilityOptions, LinearizabilityResult, Operation } from './types.js';

export interface StreamOptions extends LinearizabilityOptions {
  /** Bytes of buffered operations held before they are spilled to files (default 16 MB). */
  bufferBytes?: number;
  /** Where the per-key spill folder is made (default the OS temp folder); it is removed afterwards. */
  tmpDir?: string;
}

/** An operation as one spilled line: short fields, ret absent when infinite (JSON has no Infinity). */
interface Spilled {
  i: number;
  p: Operation['process'];
  f: string;
  k?: string;
  v?: unknown;
  r?: unknown;
  s: Operation['status'];
  c: number;
  e?: number;
}

function encode(op: Operation): string {
  const o: Spilled = { i: op.id, p: op.process, f: op.f, s: op.status, c: op.call };
  if (op.key !== undefined) o.k = op.key;
  if (op.value !== undefined) o.v = op.value;
  if (op.result !== undefined) o.r = op.result;
  if (Number.isFinite(op.ret)) o.e = op.ret;
  return JSON.stringify(o);
}

function decode(line: string): Operation {
  const o = JSON.parse(line) as Spilled;
  const op: Operation = {
    id: o.i,
    process: o.p,
    f: o.f,
    key: o.k,
    value: o.v,
    result: o.r,
    status: o.s,
    call: o.c,
    ret: o.e ?? Number.POSITIVE_INFINITY,
  };
  return op;
}

/** Each key's operations: in memory while small, appended to the key's own file past the bound. */
class Spill {
  private readonly parts = new Map<string, { file: number; buf: string[]; spilled: boolean }>();
  private buffered = 0;
  private dir: string | null = null;

  constructor(
    private readonly bound: number,
    private readonly tmp: string,
  ) {}

  add(key: string, op: Operation): void {
    let part = this.parts.get(key);
    if (!part) {
      part = { file: this.parts.size, buf: [], spilled: false };
      this.parts.set(key, part);
    }
    const line = encode(op);
    part.buf.push(line);
    this.buffered += line.length + 1;
    if (this.buffered > this.bound) this.flush();
  }

  private flush(): void {
    this.dir ??= fs.mkdtempSync(path.join(this.tmp, 'jitter-lin-'));
    for (const part of this.parts.values()) {
      if (part.buf.length === 0) continue;
      fs.appendFileSync(this.fileOf(part.file), `${part.buf.join('\n')}\n`);
      part.buf = [];
      part.spilled = true;
    }
    this.buffered = 0;
  }

  private fileOf(n: number): string {
    return path.join(this.dir!, `${n}.jsonl`);
  }

  keys(): string[] {
    return [...this.parts.keys()];
  }

  /** One key's operations in invocation order, in columns; its file and buffer are let go. */
  take(key: string): OpTable {
    const part = this.parts.get(key)!;
    const ops = new OpTable();
    if (part.spilled) {
      // A line at a time: the whole file as one string, and its lines, would double what the key needs.
      const file = this.fileOf(part.file);
      for (const line of fileLines(file)) if (line) ops.push(decode(line));
      fs.rmSync(file, { force: true });
    }
    for (const line of part.buf) ops.push(decode(line));
    part.buf = [];
    // Operations were spilled as they completed; the search wants them in invocation order.
    return ops.sortedById();
  }

  close(): void {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Checks a history given as a stream of events (iterated once); bounded as checkHistory. */
export function checkHistoryStream(history: Iterable<Op>, opts: StreamOptions): LinearizabilityResult {
  const model = modelOf(opts);
  const started = performance.now();
  const deadline = opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : started + opts.timeoutMs;
  const spill = new Spill(opts.bufferBytes ?? 16 << 20, opts.tmpDir ?? os.tmpdir());
  try {
    const pairer = new Pairer();
    const place = (op: Operation) => {
      assertKnown(model, op);
      if (model.keep(op)) spill.add(model.partition ? model.partition(op) : '', op);
    };
    let i = 0;
    for (const ev of history) {
      const op = pairer.event(ev, i++);
      // Invocations wait for their completion: keep() and the search look at the outcome.
      if (op && ev.type !== 'invoke') place(op);
    }
    for (const op of pairer.rest()) place(op);
    const limits = searchLimits(opts, deadline);
    const searched: SearchedPartition[] = [];
    let failing: SearchedPartition | undefined;
    // One key at a time, in checkHistory's report order: only one key's operations and memo are alive.
    for (const key of spill.keys().sort()) {
      const ops = spill.take(key);
      const t0 = performance.now();
      const out = searchPartition(model, ops, limits).run(Number.POSITIVE_INFINITY);
      const s: SearchedPartition = { label: partitionLabel(model, key), ops: ops.length, ms: 0, out };
      s.ms = performance.now() - t0;
      searched.push(s);
      if (out?.valid === false) {
        failing = s;
        break;
      }
    }
    return assemble(model, pairer.count, searched, failing);
  } finally {
    spill.close();
  }
}

/**
 * A partition's operations in columns rather than one object each: the linearizability search of a long run's
 * key holds hundreds of thousands of them for its whole length, and an object with nine fields costs about
 * three times what its columns do (830,080 operations: ~100 MB of objects). The search asks for an operation
 * as an object only when a model looks at it, and that object is short-lived.
 */
import { StringTable } from '../core/string-table.js';
import { grown } from './columns.js';
import type { Operation } from './types.js';
import { ValueTable } from './value-table.js';

const STATUS: readonly Operation['status'][] = ['ok', 'fail', 'info'];

/** A partition's operations as the search reads them: by row, in invocation order. */
export interface Ops {
  readonly length: number;
  id(i: number): number;
  call(i: number): number;
  ret(i: number): number;
  /** Operation i as an object. */
  get(i: number): Operation;
  all(): Operation[];
}

/** Operations already held as objects (a short history, most partitions): read as they are, nothing copied. */
export class OpArray implements Ops {
  constructor(private readonly ops: readonly Operation[]) {}

  get length(): number {
    return this.ops.length;
  }

  id(i: number): number {
    return this.ops[i]!.id;
  }

  call(i: number): number {
    return this.ops[i]!.call;
  }

  ret(i: number): number {
    return this.ops[i]!.ret;
  }

  get(i: number): Operation {
    return this.ops[i]!;
  }

  all(): Operation[] {
    return this.ops.slice();
  }
}

export class OpTable implements Ops {
  /** id, call and ret are history positions, below 2^31; a ret of -1 stands for Infinity (no completion). */
  private ids: Int32Array;
  private calls: Int32Array;
  private rets: Int32Array;
  private statuses: Uint8Array;
  /** f and key, interned: a partition has few of either. */
  private fs: Int32Array;
  private keys: Int32Array;
  /** process, value and result, numbered in `values`. */
  private processes: Int32Array;
  private args: Int32Array;
  private results: Int32Array;
  private n = 0;

  /** capacity: how many operations it will hold, if known (it grows past it, by doubling). */
  constructor(
    capacity = 1024,
    private readonly names = new StringTable(),
    private readonly values = new ValueTable(),
  ) {
    const size = Math.max(1, capacity);
    this.ids = new Int32Array(size);
    this.calls = new Int32Array(size);
    this.rets = new Int32Array(size);
    this.statuses = new Uint8Array(size);
    this.fs = new Int32Array(size);
    this.keys = new Int32Array(size);
    this.processes = new Int32Array(size);
    this.args = new Int32Array(size);
    this.results = new Int32Array(size);
  }

  get length(): number {
    return this.n;
  }

  push(op: Operation): void {
    if (this.n === this.ids.length) this.grow(this.n + 1);
    const ret = op.ret === Number.POSITIVE_INFINITY ? -1 : op.ret;
    if ((op.id | 0) !== op.id || (op.call | 0) !== op.call || (ret | 0) !== ret)
      throw new Error(`operation ${op.id}: id, call and ret must be history positions (integers below 2^31)`);
    const i = this.n++;
    this.ids[i] = op.id;
    this.calls[i] = op.call;
    this.rets[i] = ret;
    this.statuses[i] = STATUS.indexOf(op.status);
    this.fs[i] = this.names.id(op.f);
    this.keys[i] = op.key === undefined ? -1 : this.names.id(op.key);
    this.processes[i] = this.values.id(op.process);
    this.args[i] = this.values.id(op.value);
    this.results[i] = this.values.id(op.result);
  }

  id(i: number): number {
    return this.ids[i]!;
  }

  call(i: number): number {
    return this.calls[i]!;
  }

  ret(i: number): number {
    const r = this.rets[i]!;
    return r === -1 ? Number.POSITIVE_INFINITY : r;
  }

  /**
   * Operation i as an object: a new one each time, with every field in its literal (one shape for all). Its
   * value and result are shared with equal operations': models read them, never change them.
   */
  get(i: number): Operation {
    const key = this.keys[i]!;
    return {
      id: this.ids[i]!,
      process: this.values.at(this.processes[i]!) as Operation['process'],
      f: this.names.at(this.fs[i]!),
      key: key === -1 ? undefined : this.names.at(key),
      value: this.values.at(this.args[i]!),
      result: this.values.at(this.results[i]!),
      status: STATUS[this.statuses[i]!]!,
      call: this.calls[i]!,
      ret: this.ret(i),
    };
  }

  all(): Operation[] {
    return Array.from({ length: this.n }, (_, i) => this.get(i));
  }

  /** The same operations in id (invocation) order, column by column (the names and values are shared). */
  sortedById(): OpTable {
    const order = Int32Array.from({ length: this.n }, (_, i) => i);
    // Mostly in order already (operations arrive as they complete), which the engine's merge sort likes.
    order.sort((a, b) => this.ids[a]! - this.ids[b]!);
    const t = new OpTable(this.n, this.names, this.values);
    const columns = [
      [this.ids, t.ids],
      [this.calls, t.calls],
      [this.rets, t.rets],
      [this.statuses, t.statuses],
      [this.fs, t.fs],
      [this.keys, t.keys],
      [this.processes, t.processes],
      [this.args, t.args],
      [this.results, t.results],
    ] as const;
    for (const [from, to] of columns) for (let i = 0; i < this.n; i++) to[i] = from[order[i]!]!;
    t.n = this.n;
    return t;
  }

  private grow(min: number): void {
    this.ids = grown(this.ids, min);
    this.calls = grown(this.calls, min);
    this.rets = grown(this.rets, min);
    this.statuses = grown(this.statuses, min);
    this.fs = grown(this.fs, min);
    this.keys = grown(this.keys, min);
    this.processes = grown(this.processes, min);
    this.args = grown(this.args, min);
    this.results = grown(this.results, min);
  }
}

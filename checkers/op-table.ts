/**
 * A partition's operations in columns rather than one object each: the linearizability search of a long run's
 * key holds hundreds of thousands of them for its whole length, and an object with nine fields costs about
 * three times what its columns do (830,080 operations: ~100 MB of objects). The search asks for an operation
 * as an object only when a model looks at it, and that object is short-lived.
 */
import { StringTable } from '../core/string-table.js';
import { grown } from './columns.js';
import type { Operation } from './types.js';

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
  private readonly names = new StringTable();
  private readonly processes: Operation['process'][] = [];
  private readonly values: unknown[] = [];
  private readonly results: unknown[] = [];
  private n = 0;

  /** capacity: how many operations it will hold, if known (it grows past it, by doubling). */
  constructor(capacity = 1024) {
    const size = Math.max(1, capacity);
    this.ids = new Int32Array(size);
    this.calls = new Int32Array(size);
    this.rets = new Int32Array(size);
    this.statuses = new Uint8Array(size);
    this.fs = new Int32Array(size);
    this.keys = new Int32Array(size);
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
    this.processes.push(op.process);
    this.values.push(op.value);
    this.results.push(op.result);
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

  /** Operation i as an object: a new one each time, with every field in its literal (one shape for all). */
  get(i: number): Operation {
    const key = this.keys[i]!;
    return {
      id: this.ids[i]!,
      process: this.processes[i]!,
      f: this.names.at(this.fs[i]!),
      key: key === -1 ? undefined : this.names.at(key),
      value: this.values[i],
      result: this.results[i],
      status: STATUS[this.statuses[i]!]!,
      call: this.calls[i]!,
      ret: this.ret(i),
    };
  }

  all(): Operation[] {
    return Array.from({ length: this.n }, (_, i) => this.get(i));
  }

  /** The same operations in id (invocation) order. */
  sortedById(): OpTable {
    const order = Array.from({ length: this.n }, (_, i) => i);
    // Mostly in order already (operations arrive as they complete), which the engine's merge sort likes.
    order.sort((a, b) => this.ids[a]! - this.ids[b]!);
    const t = new OpTable(this.n);
    for (const i of order) t.push(this.get(i));
    return t;
  }

  private grow(min: number): void {
    this.ids = grown(this.ids, min);
    this.calls = grown(this.calls, min);
    this.rets = grown(this.rets, min);
    this.statuses = grown(this.statuses, min);
    this.fs = grown(this.fs, min);
    this.keys = grown(this.keys, min);
  }
}

/** Pairs invocations with completions (by process) into Operations; nemesis events are dropped. */
import type { History, Op } from '../core/history.js';
import type { Operation } from './types.js';

export class PairingError extends Error {
  constructor(
    /** Position in the history array of the offending event. */
    readonly position: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function pairOperations(history: History): Operation[] {
  const ops: Operation[] = [];
  const pairer = new Pairer();
  for (let i = 0; i < history.length; i++) {
    const ev = history[i]!;
    const op = pairer.event(ev, i);
    if (op && ev.type === 'invoke') ops.push(op);
  }
  return ops;
}

/**
 * Pairing one event at a time, for histories read as a stream: memory is the operations open at once (one
 * per process at most), not the history.
 */
export class Pairer {
  private readonly open = new Map<Op['process'], Operation>();
  /** Operations invoked so far: the next one's id. */
  count = 0;

  /**
   * Feeds the event at history position `i`: returns the operation it opens (an invocation) or completes
   * (ok, fail or info: an info operation is done with, though it stays open to the end of time), or null for
   * a nemesis event. Throws a PairingError on an event that does not pair.
   */
  event(ev: Op, i: number): Operation | null {
    if (ev.process === 'nemesis') return null;
    if (ev.type === 'invoke') {
      if (this.open.has(ev.process)) {
        throw new PairingError(
          i,
          'process',
          `process ${ev.process} invokes while its previous operation is open`,
        );
      }
      const op: Operation = {
        id: this.count++,
        process: ev.process,
        f: ev.f,
        // In the literal even when absent: added later it moves every operation's fields out of line.
        key: ev.key,
        value: ev.value,
        result: undefined,
        status: 'info',
        call: i,
        ret: Number.POSITIVE_INFINITY,
      };
      this.open.set(ev.process, op);
      return op;
    }
    const op = this.open.get(ev.process);
    if (!op)
      throw new PairingError(
        i,
        'process',
        `${ev.type} for process ${ev.process}, which has no open invocation`,
      );
    if (op.f !== ev.f)
      throw new PairingError(i, 'f', `completion f "${ev.f}" does not match its invocation's "${op.f}"`);
    this.open.delete(ev.process);
    op.status = ev.type;
    // An info operation stays open to the end: it may take effect at any later moment, or never.
    if (ev.type !== 'info') {
      op.ret = i;
      op.result = ev.value;
    }
    return op;
  }

  /** Operations never completed (info), in invocation order; call once, at the end of the history. */
  rest(): Operation[] {
    return [...this.open.values()].sort((a, b) => a.id - b.id);
  }
}

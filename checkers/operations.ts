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
  const open = new Map<Op['process'], Operation>();
  for (let i = 0; i < history.length; i++) {
    const ev = history[i]!;
    if (ev.process === 'nemesis') continue;
    if (ev.type === 'invoke') {
      if (open.has(ev.process)) {
        throw new PairingError(
          i,
          'process',
          `process ${ev.process} invokes while its previous operation is open`,
        );
      }
      const op: Operation = {
        id: ops.length,
        process: ev.process,
        f: ev.f,
        value: ev.value,
        result: undefined,
        status: 'info',
        call: i,
        ret: Number.POSITIVE_INFINITY,
      };
      if (ev.key !== undefined) op.key = ev.key;
      ops.push(op);
      open.set(ev.process, op);
      continue;
    }
    const op = open.get(ev.process);
    if (!op)
      throw new PairingError(
        i,
        'process',
        `${ev.type} for process ${ev.process}, which has no open invocation`,
      );
    if (op.f !== ev.f)
      throw new PairingError(i, 'f', `completion f "${ev.f}" does not match its invocation's "${op.f}"`);
    open.delete(ev.process);
    op.status = ev.type;
    // An info operation stays open to the end: it may take effect at any later moment, or never.
    if (ev.type !== 'info') {
      op.ret = i;
      op.result = ev.value;
    }
  }
  return ops;
}

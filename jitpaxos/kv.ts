/** The key-value state machine, applied in log order. Keys start absent (null). */
import type { KvOp, OpResult } from './messages.js';

export type KvState = Map<string, string>;

export function applyOp(state: KvState, op: KvOp): OpResult {
  const current = state.get(op.key) ?? null;
  switch (op.f) {
    case 'read':
      return { value: current, applied: true };
    case 'write':
      state.set(op.key, op.value);
      return { value: null, applied: true };
    case 'cas':
      if (current !== op.expected) return { value: current, applied: false };
      state.set(op.key, op.value);
      return { value: current, applied: true };
  }
}

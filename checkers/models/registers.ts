/**
 * Single registers with read / write / cas, in the two common dialects:
 *  - cas-register (Knossos): :fail never happened, a read of nil tells nothing, initial value configurable;
 *  - etcd-register (Porcupine): nil means absent, a failed cas is checked (the value was not the expected one).
 * Both partition by `key` when operations carry one, so a keyed register workload is checked per key.
 */
import { ILLEGAL, type Illegal, type Model, type Operation } from '../types.js';
import { canon, casArgs, show, type Value } from './values.js';

const FS = ['read', 'write', 'cas'] as const;

function describeOp(op: Operation): string {
  const k = op.key === undefined ? '' : ` ${op.key}`;
  const outcome = op.status === 'ok' ? '' : ` (${op.status})`;
  if (op.f === 'read') return `read${k} -> ${op.status === 'ok' ? show(op.result) : '?'}${outcome}`;
  if (op.f === 'write') return `write${k} ${show(op.value)}${outcome}`;
  const [a, b] = Array.isArray(op.value) ? op.value : [undefined, undefined];
  return `cas${k} ${show(a)} -> ${show(b)}${outcome}`;
}

function partition(op: Operation): string {
  return op.key ?? '';
}

/** Effect of write / cas shared by both dialects; reads differ. */
function update(state: Value, op: Operation, failedCasIsChecked: boolean): Value | Illegal {
  if (op.f === 'write') return canon(op.value);
  const [expected, next] = casArgs(op.value);
  if (op.status === 'ok') return state === expected ? next : ILLEGAL;
  if (op.status === 'fail') {
    if (!failedCasIsChecked) return state;
    return state === expected ? ILLEGAL : state;
  }
  // info: it either happened (only possible if the compare held) or it did not.
  return state === expected ? next : state;
}

export function casRegister(initial: unknown = null): Model<Value> {
  const init = canon(initial);
  return {
    name: 'cas-register',
    description: `Knossos cas-register: initial ${show(init)}; :fail never happened; a read of nil is unknown; :info may take effect any time after its invocation, or never`,
    fs: FS,
    init: () => init,
    keep(op) {
      if (op.status === 'fail') return false;
      if (op.f === 'read') return op.status === 'ok' && op.result !== null && op.result !== undefined;
      return true;
    },
    step(state, op) {
      if (op.f === 'read') return state === canon(op.result) ? state : ILLEGAL;
      return update(state, op, false);
    },
    readOnly: (op) => op.f === 'read',
    partition,
    describeState: show,
    describeOp,
  };
}

function absentRegister(name: string, description: string, initial: unknown): Model<Value> {
  const init = canon(initial);
  return {
    name,
    description,
    fs: FS,
    init: () => init,
    keep(op) {
      // Only a failed cas says something (the compare did not hold); failed reads and writes never happened.
      if (op.status === 'fail') return op.f === 'cas';
      if (op.f === 'read') return op.status === 'ok';
      return true;
    },
    step(state, op) {
      if (op.f === 'read') return state === canon(op.result) ? state : ILLEGAL;
      return update(state, op, true);
    },
    readOnly: (op) => op.f === 'read' || (op.f === 'cas' && op.status === 'fail'),
    partition,
    describeState: show,
    describeOp,
  };
}

export function etcdRegister(initial: unknown = null): Model<Value> {
  return absentRegister(
    'etcd-register',
    'Porcupine etcd register: starts absent (nil); a read of nil means absent; a failed cas is checked (value was not the expected one); unknown outcomes may take effect or not',
    initial,
  );
}

/** jitter's own read / write / cas workload: the etcd dialect, one register per key, every key starts absent. */
export function jitterKv(): Model<Value> {
  return absentRegister(
    'jitter-kv',
    "jitter's key-value workload: read / write / cas per key (partitioned); every key starts absent (null) and a read of null observes absence; a fail cas is checked; info may take effect or not",
    null,
  );
}

/** Porcupine's key-value store: get / put / append on string values, every key starts as "", checked per key. */
import { ILLEGAL, type Model, type Operation } from '../types.js';

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}

/**
 * A state is a node of a trie of appends, so the search can key it by a small integer instead of hashing a
 * long string at every step. Two paths to an equal string get different nodes: the memo then misses a
 * merge, which costs time but never soundness. `s` is the value (a cheap rope until first compared).
 */
interface Node {
  id: number;
  s: string;
  children: Map<string, Node> | null;
}

export function kvModel(): Model<Node> {
  let ids = 0;
  const node = (s: string): Node => ({ id: ids++, s, children: null });
  const empty = node('');
  const puts = new Map<string, Node>([['', empty]]);
  return {
    name: 'kv',
    description: 'string key-value store: get / put / append per key (partitioned); every key starts as ""',
    fs: ['get', 'put', 'append'],
    init: () => empty,
    keep(op: Operation) {
      if (op.status === 'fail') return false;
      return op.f !== 'get' || op.status === 'ok';
    },
    step(state, op) {
      if (op.f === 'get') return state.s === str(op.result) ? state : ILLEGAL;
      const v = str(op.value);
      if (op.f === 'put') {
        const found = puts.get(v);
        if (found) return found;
        const n = node(v);
        puts.set(v, n);
        return n;
      }
      if (v === '') return state;
      state.children ??= new Map();
      const found = state.children.get(v);
      if (found) return found;
      const n = node(state.s + v);
      state.children.set(v, n);
      return n;
    },
    key: (state) => state.id,
    partition: (op) => op.key ?? '',
    describeState: (state) => JSON.stringify(state.s),
    describeOp(op) {
      const outcome = op.status === 'ok' ? '' : ` (${op.status})`;
      if (op.f === 'get') return `get ${op.key ?? ''} -> ${JSON.stringify(str(op.result))}${outcome}`;
      return `${op.f} ${op.key ?? ''} ${JSON.stringify(str(op.value))}${outcome}`;
    },
  };
}

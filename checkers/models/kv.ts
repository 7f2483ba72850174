/** Porcupine's key-value store: get / put / append on string values, every key starts as "", checked per key. */
import { ILLEGAL, type Model, type Operation } from '../types.js';

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}

/**
 * A state is a node of a trie of appends, named by its index, so the search keys it by a small integer
 * instead of hashing a long string at every step, and a get compares piece by piece instead of building the
 * string. Nodes live in typed arrays: no object per state for the garbage collector to trace. Two paths to an
 * equal string get different nodes: the memo then misses a merge, which costs time but never soundness.
 */
class Trie {
  /** A node's value is its parent's value + its piece (-1: no parent). */
  parent = new Int32Array(64);
  len = new Int32Array(64);
  piece = new Int32Array(64);
  firstChild = new Int32Array(64);
  nextSibling = new Int32Array(64);
  pieces: string[] = [];
  private pieceIds = new Map<string, number>();
  size = 0;

  add(pieceText: string, parent: number): number {
    const n = this.size++;
    if (n >= this.parent.length) {
      for (const f of ['parent', 'len', 'piece', 'firstChild', 'nextSibling'] as const) {
        const bigger = new Int32Array(this[f].length * 2);
        bigger.set(this[f]);
        this[f] = bigger;
      }
    }
    let pid = this.pieceIds.get(pieceText);
    if (pid === undefined) {
      pid = this.pieces.length;
      this.pieces.push(pieceText);
      this.pieceIds.set(pieceText, pid);
    }
    this.parent[n] = parent;
    this.len[n] = (parent >= 0 ? this.len[parent]! : 0) + pieceText.length;
    this.piece[n] = pid;
    this.firstChild[n] = -1;
    this.nextSibling[n] = -1;
    if (parent >= 0) {
      this.nextSibling[n] = this.firstChild[parent]!;
      this.firstChild[parent] = n;
    }
    return n;
  }

  append(node: number, text: string): number {
    for (let c = this.firstChild[node]!; c !== -1; c = this.nextSibling[c]!) {
      if (this.pieces[this.piece[c]!] === text) return c;
    }
    return this.add(text, node);
  }

  equals(node: number, s: string): boolean {
    if (this.len[node] !== s.length) return false;
    let end = s.length;
    for (let n = node; n !== -1; n = this.parent[n]!) {
      const p = this.pieces[this.piece[n]!]!;
      end -= p.length;
      if (!s.startsWith(p, end)) return false;
    }
    return true;
  }

  /** Whether the node's value is a prefix of s. */
  prefixOf(node: number, s: string): boolean {
    let end = this.len[node]!;
    if (end > s.length) return false;
    for (let n = node; n !== -1; n = this.parent[n]!) {
      const p = this.pieces[this.piece[n]!]!;
      end -= p.length;
      if (!s.startsWith(p, end)) return false;
    }
    return true;
  }

  text(node: number): string {
    const out: string[] = [];
    for (let n = node; n !== -1; n = this.parent[n]!) out.push(this.pieces[this.piece[n]!]!);
    return out.reverse().join('');
  }
}

export function kvModel(): Model<number> {
  const trie = new Trie();
  const empty = trie.add('', -1);
  const puts = new Map<string, number>([['', empty]]);
  return {
    name: 'kv',
    description: 'string key-value store: get / put / append per key (partitioned); every key starts as ""',
    fs: ['get', 'put', 'append'],
    intStates: true,
    init: () => empty,
    keep(op: Operation) {
      if (op.status === 'fail') return false;
      return op.f !== 'get' || op.status === 'ok';
    },
    step(state, op) {
      if (op.f === 'get') return trie.equals(state, str(op.result)) ? state : ILLEGAL;
      const v = str(op.value);
      if (op.f === 'put') {
        const found = puts.get(v);
        if (found !== undefined) return found;
        const n = trie.add(v, -1);
        puts.set(v, n);
        return n;
      }
      return v === '' ? state : trie.append(state, v);
    },
    readOnly: (op) => op.f === 'get',
    // Between puts a key's value only grows. So a pending get reads an extension of the current state, or of
    // the value of a put not yet placed that may still come before it (one invoked before the get returned).
    deadEnd(ops) {
      const puts = ops.filter((op) => op.f === 'put');
      return (state, op, placed) => {
        if (op.f !== 'get') return false;
        const read = str(op.result);
        if (trie.prefixOf(state, read)) return false;
        for (const p of puts)
          if (p.call < op.ret && !placed(p) && read.startsWith(str(p.value))) return false;
        return true;
      };
    },
    partition: (op) => op.key ?? '',
    describeState: (state) => JSON.stringify(trie.text(state)),
    describeOp(op) {
      const outcome = op.status === 'ok' ? '' : ` (${op.status})`;
      if (op.f === 'get') return `get ${op.key ?? ''} -> ${JSON.stringify(str(op.result))}${outcome}`;
      return `${op.f} ${op.key ?? ''} ${JSON.stringify(str(op.value))}${outcome}`;
    },
  };
}

/**
 * The linearizability search for one partition: Wing & Gong's depth-first search with Lowe's just-in-time
 * linearization (only operations invoked before the earliest pending completion are candidates) and a memo
 * of (linearized set, model state), as in Porcupine. Written for speed: the linearized set is a bitset with a
 * Zobrist hash updated per step, states are interned to small integers, and the memo lives in typed arrays.
 *
 * Operations with an unknown outcome (info) get special treatment, all of it sound:
 *  - they live outside the event list (their completion would be at the end of time), are tried after the
 *    ordinary candidates, and need not be linearized at all: once every other operation is placed, the rest
 *    can go last, where any outcome is acceptable;
 *  - one that would leave the state unchanged is not tried (it can as well go last);
 *  - the memo ignores them in its hash, so a configuration can be pruned when a fully explored, failed one
 *    had the same ordinary operations, the same state and a subset of its info operations (whatever the
 *    larger one could do, the smaller could do too, placing the extra info operations last).
 */
import { ILLEGAL, type Model, type Operation } from './types.js';

export interface SearchLimits {
  deadline: number;
  maxCacheEntries: number;
}

export interface SearchOutcome {
  valid: boolean | 'unknown';
  reason?: string;
  steps: number;
  cacheEntries: number;
  /** Failure only: the longest linearizable prefix (operations in order). */
  prefix?: Operation[];
  stuck?: Operation | null;
  pending?: Operation[];
}

const FULL = 0xffffffff >>> 0;

/** Deterministic PRNG for the Zobrist keys, so runs are reproducible. */
function zobrist(n: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, min: number): T {
  if (a.length >= min) return a;
  let size = a.length * 2;
  while (size < min) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** A search that runs in slices, so partitions can take turns and a failing one is found early. */
export interface PartitionSearch {
  /** Runs up to `budget` steps; null if still undecided. */
  run(budget: number): SearchOutcome | null;
}

export function searchPartition<S>(model: Model<S>, ops: Operation[], limits: SearchLimits): PartitionSearch {
  // Ordinary operations (known outcome, finite completion) go in the event list; info ones aside.
  const main: Operation[] = [];
  const info: Operation[] = [];
  for (const op of ops) (op.ret === Number.POSITIVE_INFINITY ? info : main).push(op);
  const m = main.length;
  const k = info.length;
  const all = main.concat(info); // combined numbering: main j -> j, info i -> m + i
  if (m === 0) return { run: () => ({ valid: true, steps: 0, cacheEntries: 0 }) };

  // Event list: node j is the call of main op j, node m + j its return, node 2m the head.
  const head = 2 * m;
  const next = new Int32Array(2 * m + 1);
  const prev = new Int32Array(2 * m + 1);
  const time = new Float64Array(2 * m);
  for (let j = 0; j < m; j++) {
    time[j] = main[j]!.call;
    time[m + j] = main[j]!.ret;
  }
  const order = Array.from({ length: 2 * m }, (_, i) => i).sort((a, b) => time[a]! - time[b]!);
  let last = head;
  for (const node of order) {
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  next[last] = -1;

  // Info ops: a list in call order (head k); removed while linearized.
  const infoCall = new Float64Array(k);
  const inext = new Int32Array(k + 1);
  const iprev = new Int32Array(k + 1);
  for (let i = 0; i < k; i++) infoCall[i] = info[i]!.call;
  for (let i = 0; i <= k; i++) {
    inext[i] = i + 1 < k ? i + 1 : -1;
    iprev[i] = i === 0 ? k : i - 1;
  }
  inext[k] = k > 0 ? 0 : -1;

  // State interning: the search compares and hashes small integers only.
  const stateVals: S[] = [];
  const stateIds = new Map<unknown, number>();
  const keyOf = model.key ? model.key.bind(model) : (s: S) => s as unknown;
  // Small non-negative integer keys (e.g. the kv model's node ids) skip the Map: a typed array is cheaper.
  let direct = new Int32Array(1024).fill(-1);
  const intern = (s: S): number => {
    const key = keyOf(s);
    if (typeof key === 'number' && key >= 0 && key < 1 << 24 && (key | 0) === key) {
      if (key >= direct.length) {
        const bigger = new Int32Array(Math.max(direct.length * 2, key + 1)).fill(-1);
        bigger.set(direct);
        direct = bigger;
      }
      let id = direct[key]!;
      if (id < 0) {
        id = stateVals.length;
        stateVals.push(s);
        direct[key] = id;
      }
      return id;
    }
    let id = stateIds.get(key);
    if (id === undefined) {
      id = stateVals.length;
      stateVals.push(s);
      stateIds.set(key, id);
    }
    return id;
  };

  const transition = (stateId: number, op: number): number => {
    const s = model.step(stateVals[stateId]!, all[op]!);
    return s === ILLEGAL ? -1 : intern(s);
  };

  // The linearized set: main ops in a bitset (stored compactly from its first non-full word), info ops apart.
  const words = Math.ceil(m / 32);
  const bits = new Uint32Array(words);
  let low = 0; // first word that is not full
  let hi = -1; // last non-zero word
  const zob = zobrist(m, 0x2545f491);
  let hash = 0;
  const iwords = Math.max(1, Math.ceil(k / 32));
  const ibits = new Uint32Array(iwords);

  // Memo, in typed arrays: groups share the ordinary-op set and state (found through an open-addressed table
  // of chain heads); members of a group differ in their info-op sets.
  let tableMask = 1023;
  let table = new Int32Array(tableMask + 1).fill(-1);
  let gState = new Int32Array(1024);
  let gLow = new Int32Array(1024);
  let gLen = new Int32Array(1024);
  let gOff = new Int32Array(1024);
  let gHash = new Int32Array(1024);
  let gNext = new Int32Array(1024);
  let gFirst = new Int32Array(1024);
  let pool = new Uint32Array(4096);
  let poolTop = 0;
  let groups = 0;
  let mNext = new Int32Array(1024);
  let mDone = new Uint8Array(1024);
  let ipool = new Uint32Array(1024 * iwords);
  let entries = 0;

  const rehash = () => {
    tableMask = tableMask * 2 + 1;
    table = new Int32Array(tableMask + 1).fill(-1);
    for (let g = 0; g < groups; g++) {
      const slot = gHash[g]! & tableMask;
      gNext[g] = table[slot]!;
      table[slot] = g;
    }
  };

  /** Records the current configuration; returns its entry, or -1 when an equal or dominating one exists. */
  const remember = (stateId: number): number => {
    const h = (hash ^ Math.imul(stateId + 1, 0x9e3779b1)) | 0;
    const len = hi >= low ? hi - low + 1 : 0;
    let g = table[h & tableMask]!;
    for (; g !== -1; g = gNext[g]!) {
      if (gHash[g] !== h || gState[g] !== stateId || gLow[g] !== low || gLen[g] !== len) continue;
      const off = gOff[g]!;
      let w = 0;
      while (w < len && pool[off + w] === bits[low + w]) w++;
      if (w === len) break;
    }
    if (g !== -1) {
      // Same ordinary ops and state: prune if equal info sets, or if a failed entry had a subset of ours.
      for (let e = gFirst[g]!; e !== -1; e = mNext[e]!) {
        const ioff = e * iwords;
        let equal = true;
        let subset = true;
        for (let w = 0; w < iwords; w++) {
          const a = ipool[ioff + w]!;
          const b = ibits[w]!;
          if (a !== b) equal = false;
          if ((a & ~b) !== 0) subset = false;
        }
        if (equal || (subset && mDone[e] === 1)) return -1;
      }
    } else {
      g = groups++;
      if (g >= gState.length) {
        const n = g * 2;
        gState = grow(gState, n);
        gLow = grow(gLow, n);
        gLen = grow(gLen, n);
        gOff = grow(gOff, n);
        gHash = grow(gHash, n);
        gNext = grow(gNext, n);
        gFirst = grow(gFirst, n);
      }
      pool = grow(pool, poolTop + len);
      for (let w = 0; w < len; w++) pool[poolTop + w] = bits[low + w]!;
      gState[g] = stateId;
      gLow[g] = low;
      gLen[g] = len;
      gOff[g] = poolTop;
      gHash[g] = h;
      gFirst[g] = -1;
      poolTop += len;
      const slot = h & tableMask;
      gNext[g] = table[slot]!;
      table[slot] = g;
      if (groups > (tableMask + 1) * 0.5) rehash();
    }
    const e = entries++;
    if (e >= mNext.length) {
      mNext = grow(mNext, e * 2);
      mDone = grow(mDone, e * 2);
      ipool = grow(ipool, e * 2 * iwords);
    }
    for (let w = 0; w < iwords; w++) ipool[e * iwords + w] = ibits[w]!;
    mDone[e] = 0;
    mNext[e] = gFirst[g]!;
    gFirst[g] = e;
    return e;
  };

  const setBit = (j: number) => {
    const w = j >>> 5;
    bits[w]! |= 1 << (j & 31);
    hash ^= zob[j]!;
    if (w > hi) hi = w;
    while (low < words && bits[low] === FULL) low++;
  };
  const clearBit = (j: number) => {
    const w = j >>> 5;
    bits[w]! &= ~(1 << (j & 31));
    hash ^= zob[j]!;
    if (w < low) low = w;
    while (hi >= 0 && bits[hi] === 0) hi--;
  };
  const lift = (j: number) => {
    // Remove call j and its return from the event list.
    let p = prev[j]!;
    let n = next[j]!;
    next[p] = n;
    if (n !== -1) prev[n] = p;
    const r = m + j;
    p = prev[r]!;
    n = next[r]!;
    next[p] = n;
    if (n !== -1) prev[n] = p;
  };
  const unlift = (j: number) => {
    const r = m + j;
    let p = prev[r]!;
    let n = next[r]!;
    next[p] = r;
    if (n !== -1) prev[n] = r;
    p = prev[j]!;
    n = next[j]!;
    next[p] = j;
    if (n !== -1) prev[n] = j;
  };
  const firstReturn = (): number => {
    let e = next[head]!;
    while (e < m) e = next[e]!;
    return e;
  };

  // DFS stack: operation (combined numbering), state before it, memo entry of the configuration after it.
  const depthMax = m + k;
  const stackOp = new Int32Array(depthMax);
  const stackState = new Int32Array(depthMax);
  const stackEntry = new Int32Array(depthMax);
  let sp = 0;
  // Longest prefix found, kept in `best`; its first `agree` entries equal the stack's, so a new record only
  // copies the part that differs (amortized O(1) per step, not O(depth)).
  let bestLen = 0;
  let agree = 0;
  const best = new Int32Array(depthMax);
  let stuck: number | null = null;
  let pending: number[] = [];
  let stuckRecorded = false;

  let cur = intern(model.init());
  let steps = 0;
  let mode = 0; // 0: walking the event list at `e`; 1: walking info ops at `ie`, bounded by `bound`
  let e = next[head]!;
  let ie = -1;
  let bound = 0;
  let boundNode = -1;

  const push = (op: number, newState: number, entry: number) => {
    stackOp[sp] = op;
    stackState[sp] = cur;
    stackEntry[sp] = entry;
    sp++;
    cur = newState;
    if (sp > bestLen) {
      best.set(stackOp.subarray(agree, sp), agree);
      agree = sp;
      bestLen = sp;
      stuckRecorded = false;
    }
  };

  const run = (budget: number): SearchOutcome | null => {
    const stop = steps + budget;
    for (;;) {
      if (next[head] === -1) return { valid: true, steps, cacheEntries: entries };
      if (steps >= stop) return null;
      if ((++steps & 1023) === 0) {
        if (performance.now() > limits.deadline) {
          return { valid: 'unknown', reason: 'time budget exhausted', steps, cacheEntries: entries };
        }
        if (entries > limits.maxCacheEntries) {
          return {
            valid: 'unknown',
            reason: `memory budget exhausted (${entries} memo entries)`,
            steps,
            cacheEntries: entries,
          };
        }
      }
      if (mode === 0) {
        if (e < m) {
          const id = transition(cur, e);
          if (id >= 0) {
            setBit(e);
            const entry = remember(id);
            if (entry >= 0) {
              push(e, id, entry);
              lift(e);
              e = next[head]!;
              continue;
            }
            clearBit(e);
          }
          e = next[e]!;
          continue;
        }
        // Reached the earliest pending completion: the ordinary candidates are exhausted; try info ops.
        boundNode = e;
        bound = time[e]!;
        mode = 1;
        ie = inext[k]!;
        continue;
      }
      if (ie !== -1 && infoCall[ie]! < bound) {
        const id = transition(cur, m + ie);
        // An info op that leaves the state as it is can wait for the end: skipping it loses nothing.
        if (id >= 0 && id !== cur) {
          ibits[ie >>> 5]! |= 1 << (ie & 31);
          const entry = remember(id);
          if (entry >= 0) {
            push(m + ie, id, entry);
            inext[iprev[ie]!] = inext[ie]!;
            if (inext[ie]! !== -1) iprev[inext[ie]!] = iprev[ie]!;
            mode = 0;
            e = next[head]!;
            continue;
          }
          ibits[ie >>> 5]! &= ~(1 << (ie & 31));
        }
        ie = inext[ie]!;
        continue;
      }
      // No candidate extends this configuration: backtrack.
      if (sp === bestLen && agree === bestLen && !stuckRecorded) {
        stuckRecorded = true;
        stuck = boundNode - m;
        pending = [];
        for (let c = next[head]!; c < m; c = next[c]!) pending.push(c);
        for (let i = inext[k]!; i !== -1 && infoCall[i]! < bound; i = inext[i]!) pending.push(m + i);
      }
      if (sp === 0) {
        const prefix = Array.from(best.subarray(0, bestLen), (j) => all[j]!);
        return {
          valid: false,
          steps,
          cacheEntries: entries,
          prefix,
          stuck: stuck === null ? null : main[stuck]!,
          pending: pending.map((j) => all[j]!),
        };
      }
      if (sp - 1 < agree) agree = sp - 1;
      sp--;
      const op = stackOp[sp]!;
      cur = stackState[sp]!;
      mDone[stackEntry[sp]!] = 1;
      if (op < m) {
        clearBit(op);
        unlift(op);
        mode = 0;
        e = next[op]!;
      } else {
        const i = op - m;
        ibits[i >>> 5]! &= ~(1 << (i & 31));
        inext[iprev[i]!] = i;
        if (inext[i]! !== -1) iprev[inext[i]!] = i;
        mode = 1;
        boundNode = firstReturn();
        bound = time[boundNode]!;
        ie = inext[i]!;
      }
    }
  };
  return { run };
}

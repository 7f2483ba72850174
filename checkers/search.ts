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
 *  - one is not tried where it would leave the state unchanged (a linearization that places it there is
 *    just as good without it there);
 *  - after a run of them, one is not tried if it leads to the same state straight from the run's start (the
 *    run is wasted on it: a write, say; the linearization without the run is tried from its start);
 *  - the memo ignores them in its hash, so a configuration can be pruned when a fully explored, failed one
 *    had the same ordinary operations, the same state and a subset of its info operations (whatever the
 *    larger one could do, the smaller could do too, placing the extra info operations last).
 * Two more prunings: a legal read-only candidate is placed without branching (see SCAN below), and a model
 * may declare dead ends (a pending operation that can never become legal), which fail a configuration early.
 * Each is checked against brute-force enumeration in test/checkers-search.test.ts.
 */
import { grown } from './columns.js';
import { OpArray, type Ops } from './op-table.js';
import { ILLEGAL, type Model, type Operation } from './types.js';

export interface SearchLimits {
  /** Search steps allowed for this partition: the deterministic budget (same verdict on any machine). */
  maxSteps: number;
  /** Wall-clock deadline (performance.now()), a last resort only asked for explicitly; Infinity: none. */
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

/** Zobrist keys from a deterministic PRNG (runs are reproducible), shared by all searches and grown on demand. */
let zobristKeys = new Int32Array(0);
function zobrist(n: number): Int32Array {
  if (zobristKeys.length < n) {
    const out = new Int32Array(Math.max(n, 1024, zobristKeys.length * 2));
    let x = 0x2545f491;
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x;
    }
    zobristKeys = out;
  }
  return zobristKeys;
}

/**
 * Each row's call and return (Infinity: none), read in a loop of their own: searchPartition is too large for
 * V8 to optimize early, and a method call per operation in its set-up was about 3% of a 100,000-operation
 * check (bench:check's synthetic history, which collects garbage between runs).
 */
function timesOf(ops: Ops): { calls: Float64Array; rets: Float64Array } {
  const calls = new Float64Array(ops.length);
  const rets = new Float64Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    calls[i] = ops.call(i);
    rets[i] = ops.ret(i);
  }
  return { calls, rets };
}

/** A search that runs in slices, so partitions can take turns and a failing one is found early. */
export interface PartitionSearch {
  /** Runs up to `budget` steps; null if still undecided. */
  run(budget: number): SearchOutcome | null;
}

export function searchPartition<S>(
  model: Model<S>,
  given: readonly Operation[] | Ops,
  limits: SearchLimits,
): PartitionSearch {
  const ops: Ops = Array.isArray(given) ? new OpArray(given) : (given as Ops);
  // Ordinary operations (known outcome, finite completion) go in the event list; info ones aside.
  let k = 0;
  const { calls, rets } = timesOf(ops);
  for (let i = 0; i < ops.length; i++) if (rets[i] === Number.POSITIVE_INFINITY) k++;
  const m = ops.length - k;
  // Combined numbering: main j -> j, info i -> m + i; row[j] is the operation's row in the table.
  const row = new Int32Array(m + k);
  for (let i = 0, a = 0, b = m; i < ops.length; i++)
    row[rets[i] === Number.POSITIVE_INFINITY ? b++ : a++] = i;
  /** Operation j (combined numbering) as an object, for the model (from a table: made when asked, short-lived). */
  const held = Array.isArray(given) ? Array.from(row, (i) => (given as readonly Operation[])[i]!) : null;
  const opAt = held ? (j: number): Operation => held[j]! : (j: number): Operation => ops.get(row[j]!);
  if (m === 0) return { run: () => ({ valid: true, steps: 0, cacheEntries: 0 }) };
  if (2 * m >= 4194304) throw new Error(`partition too large (${m} operations; at most 2097151)`);

  // Event list: node j is the call of main op j, node m + j its return, node 2m the head.
  const head = 2 * m;
  const next = new Int32Array(2 * m + 1);
  const prev = new Int32Array(2 * m + 1);
  // Each main op's return time: the search compares them with info ops' calls (calls matter only below).
  const retTime = new Float64Array(m);
  for (let j = 0; j < m; j++) retTime[j] = rets[row[j]!]!;
  // Sort events by time with a native numeric sort: times are history positions (distinct integers), so
  // time * 2^22 + node is exact in a double and sorts like (time, node).
  const keys = new Float64Array(2 * m);
  for (let j = 0; j < m; j++) {
    keys[j] = calls[row[j]!]! * 4194304 + j;
    keys[m + j] = retTime[j]! * 4194304 + m + j;
  }
  keys.sort();
  const order = new Int32Array(2 * m);
  for (let i = 0; i < 2 * m; i++) order[i] = keys[i]! % 4194304;
  // Calls with no return between them become candidates together, so their order is free: try the one that
  // returns first first, as it is the likeliest to have taken effect first.
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]! < m) j++;
    if (j - i > 1) order.subarray(i, j).sort((a, b) => retTime[a]! - retTime[b]!);
    i = j === i ? i + 1 : j;
  }
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
  for (let i = 0; i < k; i++) infoCall[i] = calls[row[m + i]!]!;
  for (let i = 0; i <= k; i++) {
    inext[i] = i + 1 < k ? i + 1 : -1;
    iprev[i] = i === 0 ? k : i - 1;
  }
  inext[k] = k > 0 ? 0 : -1;
  // Info ops that do the same thing (same f, key, argument and result) are interchangeable: with no completion,
  // any one of them called before a point may take effect there. So only the earliest-called one not yet
  // linearized is tried, and the linearized ones of each kind stay the earliest-called (a linearization using
  // a later one is the same one with the two swapped). Runs whose indeterminate writes share a few values
  // otherwise try every subset of them. sameBefore[i]: the previous info op of i's kind, or -1.
  const sameBefore = new Int32Array(k).fill(-1);
  {
    const lastOfKind = new Map<string, number>();
    for (let i = 0; i < k; i++) {
      const op = opAt(m + i);
      const kind = JSON.stringify([op.f, op.key, op.value, op.result, op.status]);
      sameBefore[i] = lastOfKind.get(kind) ?? -1;
      lastOfKind.set(kind, i);
    }
  }

  // State interning: the search compares and hashes small integers only.
  const stateVals: S[] = [];
  const stateIds = new Map<unknown, number>();
  const keyOf = model.key ? model.key.bind(model) : (s: S) => s as unknown;
  // Integer keys (e.g. the kv model's node ids) skip the Map: an open-addressed typed table is cheaper.
  let ikeys = new Int32Array(0); // allocated on first use: most models never need it
  let ivals = new Int32Array(0);
  let icount = 0;
  const ifind = (key: number): number => {
    const mask = ikeys.length - 1;
    let slot = Math.imul(key, 0x9e3779b1) & mask;
    while (ivals[slot] !== -1 && ikeys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  };
  const intern = (s: S): number => {
    const key = keyOf(s);
    if (typeof key === 'number' && (key | 0) === key) {
      if (ikeys.length === 0) {
        ikeys = new Int32Array(256);
        ivals = new Int32Array(256).fill(-1);
      }
      const slot = ifind(key);
      if (ivals[slot] !== -1) return ivals[slot]!;
      const id = stateVals.length;
      stateVals.push(s);
      ikeys[slot] = key;
      ivals[slot] = id;
      if (++icount * 2 > ikeys.length) {
        const oldKeys = ikeys;
        const oldVals = ivals;
        ikeys = new Int32Array(oldKeys.length * 2);
        ivals = new Int32Array(oldKeys.length * 2).fill(-1);
        for (let i = 0; i < oldKeys.length; i++) {
          if (oldVals[i] === -1) continue;
          const to = ifind(oldKeys[i]!);
          ikeys[to] = oldKeys[i]!;
          ivals[to] = oldVals[i]!;
        }
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

  // One remembered transition per operation: the search retries an operation from the same state often
  // (first scanning for a read-only one, again when walking, again after backtracking to here).
  const lastFrom = new Int32Array(m + k).fill(-1);
  const lastTo = new Int32Array(m + k);
  const ints = model.intStates === true;
  const stateOf = (id: number): S => (ints ? (id as S) : stateVals[id]!);
  const transition = (stateId: number, op: number): number => {
    if (lastFrom[op] === stateId) return lastTo[op]!;
    const s = model.step(stateOf(stateId), opAt(op));
    const id = s === ILLEGAL ? -1 : ints ? (s as number) : intern(s);
    lastFrom[op] = stateId;
    lastTo[op] = id;
    return id;
  };

  // The linearized set: main ops in a bitset (stored compactly from its first non-full word), info ops apart.
  const words = Math.ceil(m / 32);
  const bits = new Uint32Array(words);
  let low = 0; // first word that is not full
  let hi = -1; // last non-zero word
  const zob = zobrist(m);
  let hash = 0;
  const iwords = Math.max(1, Math.ceil(k / 32));
  const ibits = new Uint32Array(iwords);

  // Memo, in typed arrays: groups share the ordinary-op set and state (found through an open-addressed table
  // of chain heads); members of a group differ in their info-op sets.
  // Sized from the partition: most are small, and allocating (zeroing) big arrays would dominate them.
  const cap = 2 ** Math.ceil(Math.log2(Math.max(64, m + k)));
  let tableMask = cap - 1;
  let table = new Int32Array(tableMask + 1).fill(-1);
  let gState = new Int32Array(cap);
  let gLow = new Int32Array(cap);
  let gLen = new Int32Array(cap);
  let gOff = new Int32Array(cap);
  let gHash = new Int32Array(cap);
  let gNext = new Int32Array(cap);
  let pool = new Uint32Array(cap * 2);
  let poolTop = 0;
  let groups = 0;
  let mDone = new Uint8Array(cap);
  // Info-op sets take iwords words each, and iwords grows with the partition's info ops (a long run's key has
  // thousands). The search linearizes an info op rarely, so its entries share few distinct sets: each set is
  // stored once (interned) and entries refer to it by id; a run of 200,000 operations with 4,000 info ops
  // otherwise spent 150 MB on copies of the same sets.
  let spool = new Uint32Array(64 * iwords);
  let sHash = new Int32Array(64);
  let sets = 0;
  let setTable = new Int32Array(128).fill(-1);
  /** The interned id of the current set (ibits), or -1 until it is needed after a change. */
  let curSet = -1;
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

  // A group can hold thousands of members when a run has many info ops. Members are also found by (group,
  // info set) in an open-addressed table, and each group keeps its failed members' minimal sets in a list, so
  // "is there an equal member, or a failed one with a subset of ours" is one lookup and a scan of that list
  // instead of a scan of every member. The answer is the same, so the search's steps and verdicts are too.
  let eGroup = new Int32Array(cap);
  /** Each entry's info set (an interned id). */
  let eInfo = new Int32Array(cap);
  /** Each group's minimal failed members (addFailed), as a list (entry + 1; 0 ends it). */
  let gDone = new Int32Array(cap);
  let dNext = new Int32Array(cap);
  let etable = new Int32Array(256).fill(-1);
  const infoHash = (): number => {
    let ih = 0;
    for (let w = 0; w < iwords; w++) ih = Math.imul(ih ^ ibits[w]!, 0x01000193) ^ (ih >>> 15);
    return ih | 0;
  };
  /** The slot of the current set (ih its hash) in the set table: its id, or -1 there. */
  const setSlot = (ih: number): number => {
    const mask = setTable.length - 1;
    let slot = ih & mask;
    for (;;) {
      const id = setTable[slot]!;
      if (id === -1) return slot;
      if (sHash[id] === ih) {
        const off = id * iwords;
        let w = 0;
        while (w < iwords && spool[off + w] === ibits[w]) w++;
        if (w === iwords) return slot;
      }
      slot = (slot + 1) & mask;
    }
  };
  /** The current set's id, interning it the first time it is seen. */
  const currentSet = (): number => {
    if (curSet >= 0) return curSet;
    const ih = infoHash();
    const slot = setSlot(ih);
    if (setTable[slot] !== -1) {
      curSet = setTable[slot]!;
      return curSet;
    }
    const id = sets++;
    if (id >= sHash.length) sHash = grown(sHash, id * 2);
    if ((id + 1) * iwords > spool.length) spool = grown(spool, (id + 1) * iwords);
    spool.set(ibits, id * iwords);
    sHash[id] = ih;
    setTable[slot] = id;
    if (sets * 2 > setTable.length) {
      setTable = new Int32Array(setTable.length * 2).fill(-1);
      const mask = setTable.length - 1;
      for (let x = 0; x < sets; x++) {
        let slot = sHash[x]! & mask;
        while (setTable[slot] !== -1) slot = (slot + 1) & mask;
        setTable[slot] = x;
      }
    }
    curSet = id;
    return id;
  };
  /** Set a is a subset of set b (interned ids). */
  const setSubset = (a: number, b: number): boolean => {
    if (a === b) return true;
    const ao = a * iwords;
    const bo = b * iwords;
    for (let w = 0; w < iwords; w++) if ((spool[ao + w]! & ~spool[bo + w]!) !== 0) return false;
    return true;
  };
  /** Entry x's info set is a subset of entry y's (y < 0: of the current one). */
  const infoSubset = (x: number, y: number): boolean =>
    setSubset(eInfo[x]!, y < 0 ? currentSet() : eInfo[y]!);
  /** The table slot of group g with info set sid: its entry, or -1 there. */
  const eslot = (g: number, sid: number): number => {
    const mask = etable.length - 1;
    let slot = (Math.imul(g + 1, 0x9e3779b1) ^ Math.imul(sid + 1, 0x85ebca6b)) & mask;
    for (;;) {
      const e = etable[slot]!;
      if (e === -1 || (eGroup[e] === g && eInfo[e] === sid)) return slot;
      slot = (slot + 1) & mask;
    }
  };
  /** Files entry e in the table. */
  const eput = (e: number): void => {
    if ((entries + 1) * 2 > etable.length) {
      const old = etable;
      etable = new Int32Array(old.length * 2).fill(-1);
      const mask = etable.length - 1;
      // Entries are distinct: each goes to the first free slot of its probe sequence.
      for (const x of old) {
        if (x === -1) continue;
        let slot = (Math.imul(eGroup[x]! + 1, 0x9e3779b1) ^ Math.imul(eInfo[x]! + 1, 0x85ebca6b)) & mask;
        while (etable[slot] !== -1) slot = (slot + 1) & mask;
        etable[slot] = x;
      }
    }
    etable[eslot(eGroup[e]!, eInfo[e]!)] = e;
  };

  /**
   * A member failed: its group's failed list keeps only the minimal sets (no member's set holds another's),
   * which is all a subset test needs: a member with a failed subset is dominated by that subset's member.
   */
  const addFailed = (x: number): void => {
    const g = eGroup[x]!;
    let prevLink = -1; // entry whose dNext points at y; -1: the group's head
    for (let y1 = gDone[g]!; y1 !== 0; ) {
      const y = y1 - 1;
      const after = dNext[y]!;
      if (infoSubset(y, x)) return; // a failed subset is listed already
      if (infoSubset(x, y)) {
        // y's set holds ours: ours will stand for it.
        if (prevLink === -1) gDone[g] = after;
        else dNext[prevLink] = after;
      } else prevLink = y;
      y1 = after;
    }
    dNext[x] = gDone[g]!;
    gDone[g] = x + 1;
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
    const sid = currentSet();
    if (g !== -1) {
      // Same ordinary ops and state: prune if equal info sets, or if a failed entry had a subset of ours.
      if (etable[eslot(g, sid)] !== -1) return -1;
      for (let x = gDone[g]!; x !== 0; x = dNext[x - 1]!) if (infoSubset(x - 1, -1)) return -1;
    } else {
      g = groups++;
      if (g >= gState.length) {
        const n = g * 2;
        gState = grown(gState, n);
        gLow = grown(gLow, n);
        gLen = grown(gLen, n);
        gOff = grown(gOff, n);
        gHash = grown(gHash, n);
        gNext = grown(gNext, n);
        gDone = grown(gDone, n);
      }
      if (poolTop + len > pool.length) pool = grown(pool, poolTop + len);
      for (let w = 0; w < len; w++) pool[poolTop + w] = bits[low + w]!;
      gState[g] = stateId;
      gLow[g] = low;
      gLen[g] = len;
      gOff[g] = poolTop;
      gHash[g] = h;
      poolTop += len;
      const slot = h & tableMask;
      gNext[g] = table[slot]!;
      table[slot] = g;
      if (groups > (tableMask + 1) * 0.5) rehash();
    }
    const e = entries++;
    if (e >= mDone.length) {
      mDone = grown(mDone, e * 2);
      eGroup = grown(eGroup, e * 2);
      eInfo = grown(eInfo, e * 2);
      dNext = grown(dNext, e * 2);
    }
    mDone[e] = 0;
    eGroup[e] = g;
    eInfo[e] = sid;
    eput(e);
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

  let cur = ints ? (model.init() as number) : intern(model.init());
  let steps = 0;
  let mode = 0; // SCAN / WALK (at list node `e`) / INFO (at info op `ie`, invoked before `bound`) / FAIL
  let e = next[head]!;
  let ie = -1;
  let bound = 0;

  const stackForced = new Uint8Array(depthMax);
  const push = (op: number, newState: number, entry: number, forced: number) => {
    stackOp[sp] = op;
    stackState[sp] = cur;
    stackEntry[sp] = entry;
    stackForced[sp] = forced;
    sp++;
    cur = newState;
    if (sp > bestLen) {
      for (let i = agree; i < sp; i++) best[i] = stackOp[i]!; // no subarray: this runs on most pushes
      agree = sp;
      bestLen = sp;
      stuckRecorded = false;
    }
  };

  // Modes: SCAN looks for a legal read-only candidate (one that changes no state it is legal in). Such an
  // operation can be linearized right away without trying alternatives: any linearization from here can be
  // rearranged to put it first (the states along it are the same without it). So it is taken as a "forced" step, and if that fails, this configuration
  // fails too (FAIL). Otherwise WALK tries the ordinary candidates and INFO the info ones, branching.
  const infoPlaced = (i: number): boolean => (ibits[i >>> 5]! & (1 << (i & 31))) !== 0;
  const dead = model.deadEnd?.(ops.all());
  const position = new Map<number, number>();
  if (dead) for (let j = 0; j < m + k; j++) position.set(ops.id(row[j]!), j);
  const placed = (op: Operation): boolean => {
    const j = position.get(op.id);
    if (j === undefined) return true; // not in the search (never happened): cannot come first
    if (j < m) return (bits[j >>> 5]! & (1 << (j & 31))) !== 0;
    return infoPlaced(j - m);
  };
  /** Whether some pending candidate, or the operation that must go before all later ones, is dead. */
  const doomed = (): boolean => {
    if (!dead) return false;
    const state = stateOf(cur);
    let c = next[head]!;
    for (; c !== -1 && c < m; c = next[c]!) if (dead(state, opAt(c), placed)) return true;
    return c !== -1 && dead(state, opAt(c - m), placed);
  };
  const readOnly = new Uint8Array(m);
  if (model.readOnly) for (let j = 0; j < m; j++) readOnly[j] = model.readOnly(opAt(j)) ? 1 : 0;
  /**
   * The state before the run of info operations on top of the stack, or -1 when the top is an ordinary one
   * (or the stack is empty). After such a run, an info operation that is legal from the run's start and
   * leads to the same state either way (a write, say) is not tried: the same linearization without the run
   * (its info operations left unplaced, as info operations may be) is tried from the run's start, where more
   * info operations are left, so it does at least as well. Without this, info writes of different values
   * were tried in every order and subset (seed 300730 of the simulator: unknown after 100 M steps, now valid
   * in 65 k).
   */
  const infoRunStart = (): number => {
    let i = sp;
    while (i > 0 && stackOp[i - 1]! >= m) i--;
    return i === sp ? -1 : stackState[i]!;
  };
  /** infoRunStart() of the configuration whose info candidates are being tried. */
  let before = -1;
  const SCAN = 2;
  const WALK = 0;
  const INFO = 1;
  const FAIL = 3;
  mode = SCAN;

  const run = (budget: number): SearchOutcome | null => {
    const stop = steps + budget;
    for (;;) {
      if (next[head] === -1) return { valid: true, steps, cacheEntries: entries };
      if (steps >= stop) return null;
      if (steps >= limits.maxSteps) {
        return {
          valid: 'unknown',
          reason: `step budget exhausted (${steps} search steps)`,
          steps,
          cacheEntries: entries,
        };
      }
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
      if (mode === SCAN) {
        if (e < m) {
          if (readOnly[e] === 1 && transition(cur, e) === cur) {
            setBit(e);
            const entry = remember(cur);
            if (entry >= 0) {
              push(e, cur, entry, 1);
              lift(e);
              e = next[head]!;
              continue;
            }
            // Known to fail with it, so it fails without it.
            clearBit(e);
            mode = FAIL;
            continue;
          }
          e = next[e]!;
          continue;
        }
        mode = WALK;
        e = next[head]!;
        continue;
      }
      if (mode === WALK) {
        if (e < m) {
          const id = transition(cur, e);
          if (id >= 0) {
            setBit(e);
            const entry = remember(id);
            if (entry >= 0) {
              push(e, id, entry, 0);
              lift(e);
              mode = doomed() ? FAIL : SCAN;
              e = next[head]!;
              continue;
            }
            clearBit(e);
          }
          e = next[e]!;
          continue;
        }
        // Reached the earliest pending completion: the ordinary candidates are exhausted; try info ops.
        bound = retTime[e - m]!;
        mode = INFO;
        before = infoRunStart();
        ie = inext[k]!;
        continue;
      }
      if (mode === INFO && ie !== -1 && infoCall[ie]! < bound) {
        const twin = sameBefore[ie]!;
        if (twin !== -1 && !infoPlaced(twin)) {
          ie = inext[ie]!;
          continue;
        }
        const id = transition(cur, m + ie);
        // An info op that leaves the state as it is can wait for the end: skipping it loses nothing. Nor is
        // one tried after a run of info ops if it leads to the same state straight from the run's start
        // (a write, say): the run would be wasted on it, and leaving the run unplaced was tried there.
        if (id >= 0 && id !== cur && (before < 0 || transition(before, m + ie) !== id)) {
          ibits[ie >>> 5]! |= 1 << (ie & 31);
          curSet = -1;
          const entry = remember(id);
          if (entry >= 0) {
            push(m + ie, id, entry, 0);
            inext[iprev[ie]!] = inext[ie]!;
            if (inext[ie]! !== -1) iprev[inext[ie]!] = iprev[ie]!;
            mode = doomed() ? FAIL : SCAN;
            e = next[head]!;
            continue;
          }
          ibits[ie >>> 5]! &= ~(1 << (ie & 31));
          curSet = -1;
        }
        ie = inext[ie]!;
        continue;
      }
      // No candidate extends this configuration: backtrack.
      if (sp === bestLen && agree === bestLen && !stuckRecorded) {
        stuckRecorded = true;
        const rn = firstReturn();
        stuck = rn - m;
        pending = [];
        for (let c = next[head]!; c < m; c = next[c]!) pending.push(c);
        for (let i = inext[k]!; i !== -1 && infoCall[i]! < retTime[rn - m]!; i = inext[i]!)
          pending.push(m + i);
      }
      if (sp === 0) {
        const prefix = Array.from(best.subarray(0, bestLen), opAt);
        return {
          valid: false,
          steps,
          cacheEntries: entries,
          prefix,
          stuck: stuck === null ? null : opAt(stuck),
          pending: pending.map(opAt),
        };
      }
      if (sp - 1 < agree) agree = sp - 1;
      sp--;
      const op = stackOp[sp]!;
      cur = stackState[sp]!;
      const failed = stackEntry[sp]!;
      if (mDone[failed] === 0) addFailed(failed);
      mDone[failed] = 1;
      if (op < m) {
        clearBit(op);
        unlift(op);
        mode = stackForced[sp] === 1 ? FAIL : WALK;
        e = next[op]!;
      } else {
        const i = op - m;
        ibits[i >>> 5]! &= ~(1 << (i & 31));
        curSet = -1;
        inext[iprev[i]!] = i;
        if (inext[i]! !== -1) iprev[inext[i]!] = i;
        mode = INFO;
        before = infoRunStart();
        bound = retTime[firstReturn() - m]!;
        ie = inext[i]!;
      }
    }
  };
  return { run };
}

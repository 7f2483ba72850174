/**
 * Modes and flaw switches (NOTES §3). `seed` turns every flaw on; `fixed` turns every flaw off;
 * `--flaw NAME` turns exactly one back on in `fixed` mode, so a run can show that jitter catches it.
 */

export const FLAWS = {
  /** Equal timestamp = duplicate, so a different request can be acknowledged without being logged. */
  'timestamp-tie': "a request whose timestamp equals the last entry's is treated as a duplicate",
  /** Repair keeps the local log from Len(m.log), duplicating an entry, and marks everything as synced. */
  'repair-splice': 'repair splices at Len(m.log) and sets syncIndex to the whole log',
  /** ReconcileRequest goes to the replier, not the inconsistent replicas; the primary never answers one. */
  'misdirected-reconcile': 'reconcile is sent to the wrong replica and the primary ignores it',
  /** Clients never retry, StartView and view-change replies are never resent. */
  'no-retry': 'no client retries and no resends: requests can be stuck forever',
  /** State only in memory: a restarted replica comes back empty, Normal, in view 1. */
  'no-durability': 'logs and views are not persisted and there is no recovery',
  /** Any qualifying log may be chosen, StartView is re-sent on each later reply, and IsQuorum is 2|S| >= n. */
  'view-change-choice': 'arbitrary view-change log choice, re-broadcast StartView, half-size quorums',
  /** A client whose clock is behind is rejected until it catches up (no hybrid clock). */
  'clock-skew': 'client timestamps come from the raw clock, with no catch-up after rejection',
  /** The primary answers reads from its local state without committing them. */
  'local-reads': 'reads are answered by the primary without going through the log',
} as const;

export type Flaw = keyof typeof FLAWS;
export type Mode = 'seed' | 'fixed';

export const ALL_FLAWS = Object.keys(FLAWS) as Flaw[];

export interface ProtocolConfig {
  /** Replica ids; sorted, as every client and replica must agree on the order. */
  replicas: string[];
  mode: Mode;
  /** Flaws in force: all of them in seed mode, those named in fixed mode. */
  flaws: ReadonlySet<Flaw>;
  timing: Timing;
}

/** Timer durations in milliseconds (and the checkpoint threshold). The core never reads a clock: the runtime fires these. */
export interface Timing {
  heartbeatMs: number;
  /** A Normal backup that hears nothing from its primary for this long starts a view change. */
  electionMs: number;
  /** A replica stuck in ViewChange, Repair or Recovering for this long tries again. */
  stuckMs: number;
  /** A client resends a request it could not commit after this long (fixed mode). */
  clientRetryMs: number;
  /** Fixed mode: a replica holds a request stamped ahead of its clock until then, if at most this far ahead. */
  maxHoldMs: number;
  /** Fixed mode: a client stamps requests at most this far ahead of its clock; 0 turns just-in-time stamping
   * off (the JIT Paxos system's `jitLeadMs`; DESIGN §2.8). */
  maxLeadMs: number;
  /** Fixed mode: compact the log into a snapshot once this many entries past the last one are held identically
   * by the whole quorum (DESIGN §2.9). Not a duration: it rides with the timing options to every runtime. */
  snapshotEvery: number;
  /** Fixed mode: a replica appends an attempt of a request only if it is stamped at most this long after the
   * request's first attempt, and forgets a client's last compacted request once the log's timestamps are
   * this far past it (DESIGN §2.9). Clients and replicas must agree on it; keep operation timeouts below it. */
  requestLifetimeMs: number;
}

export const DEFAULT_TIMING: Timing = {
  heartbeatMs: 50,
  electionMs: 400,
  stuckMs: 500,
  clientRetryMs: 150,
  maxHoldMs: 250,
  maxLeadMs: 200,
  snapshotEvery: 10_000,
  requestLifetimeMs: 120_000,
};

/** Fixed mode: a request's lifetime in microseconds, the timestamps' unit (DESIGN §2.9). */
export function lifetimeUs(t: Timing): number {
  return t.requestLifetimeMs * 1000;
}

/** Fixed mode: an attempt stamped `ts` of a request born at `born` may be appended (DESIGN §2.9). Clients
 * send only such attempts and replicas append only them: one rule, so the two cannot disagree. */
export function withinLifetime(t: Timing, born: number, ts: number): boolean {
  return born <= ts && ts <= born + lifetimeUs(t);
}

export function isFlaw(name: string): name is Flaw {
  return Object.hasOwn(FLAWS, name);
}

export function makeConfig(opts: {
  replicas: string[];
  mode: Mode;
  flaws?: Iterable<string>;
  timing?: Partial<Timing>;
}): ProtocolConfig {
  const extra = [...(opts.flaws ?? [])];
  for (const f of extra) {
    if (!isFlaw(f)) throw new Error(`unknown flaw "${f}"; known flaws: ${ALL_FLAWS.join(', ')}`);
  }
  if (opts.mode === 'seed' && extra.length > 0) {
    throw new Error('--flaw is for fixed mode: seed mode already has every flaw');
  }
  const replicas = [...opts.replicas].sort(compareIds);
  if (new Set(replicas).size !== replicas.length) throw new Error('replica ids must be unique');
  if (replicas.length < 1) throw new Error('at least one replica is needed');
  return {
    replicas,
    mode: opts.mode,
    flaws: new Set(opts.mode === 'seed' ? ALL_FLAWS : (extra as Flaw[])),
    timing: { ...DEFAULT_TIMING, ...opts.timing },
  };
}

/** Natural order, so that r2 < r10. */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

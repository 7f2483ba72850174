/**
 * The JIT Paxos client protocol as an I/O-free state machine. The runtime (client.ts) supplies the
 * client's clock reading (`now`, microseconds) with each event, so that a test or the clock nemesis can
 * skew it, and carries out the effects. Handlers carry the spec's action names.
 */
import { type Flaw, type ProtocolConfig, withinLifetime } from './config.js';
import type {
  ClientId,
  ClientReply,
  ClientRequest,
  KvOp,
  OpResult,
  ReconcileRequest,
  ReplicaId,
} from './messages.js';
import { primary, quorum } from './quorum.js';

export interface Pending {
  reqID: number;
  op: KvOp;
  /** The view and timestamp of the current attempt. */
  view: number;
  ts: number;
  /** Replies to the current attempt (the spec's cReps for this request and view). */
  reps: ClientReply[];
  /** Reconciles already sent for this attempt, as `replica/index`. */
  reconciled: Set<string>;
  attempts: number;
  /** Retry timers that fired in a row while some quorum member had not answered at all in this view. */
  stalled: number;
  /** Replicas that answered this request in its current view (any attempt): a slow reply still counts. */
  heard: Set<ReplicaId>;
  /** Client clock when the current attempt was sent (microseconds). */
  sentAt: number;
  /** The first attempt's timestamp (the request's `born`). */
  born: number;
}

export interface ClientState {
  id: ClientId;
  view: number;
  nextReqID: number;
  /** Highest timestamp this client sent. */
  ownTs: number;
  /** Highest timestamp seen anywhere (sent, or reported by a replica): the hybrid clock (fixed mode). */
  seenTs: number;
  pending: Map<number, Pending>;
  /** Fixed mode: per replica, a smoothed one-way delay and its mean deviation (microseconds), from replies. */
  oneWay: Map<ReplicaId, { mean: number; dev: number }>;
  /**
   * Fixed mode: per replica, how long after it was sent (client clock) a request arrives (replica clock), and
   * its mean deviation, smoothed, from the replies' `aheadUs`: the one-way delay and the clocks' offset.
   */
  reach: Map<ReplicaId, { mean: number; dev: number }>;
  /** Fixed mode: in [0, 1], how much of the delay estimate to stamp ahead; 1 after an out-of-order
   * rejection, then decaying slowly with commits, so a network that does not reorder pays no hold. */
  jitGain: number;
}

export interface CommitInfo {
  view: number;
  index: number;
  checksum: string;
  ts: number;
  client: ClientId;
  req: number;
}

export type ClientOutcome =
  | { type: 'ok'; result: OpResult; commit: CommitInfo }
  /** Definitely not applied: a compare-and-set whose comparison failed when it committed. */
  | { type: 'fail'; error: string; result: OpResult; commit: CommitInfo };

export type ClientEffect =
  | { kind: 'send'; to: ReplicaId; msg: ClientRequest | ReconcileRequest }
  /** Fire `retry` for this request after `ms`; null cancels. */
  | { kind: 'timer'; reqID: number; ms: number | null }
  | { kind: 'resolve'; reqID: number; outcome: ClientOutcome };

/**
 * The seed: after this many retries in one view during which some quorum member never answered, the client
 * sends its request in the next view, which deposes any primary. Every member must answer for a commit, so a
 * silent backup behind a healthy primary would otherwise stall commits for good. Fixed mode leaves this to
 * the primary, which moves the view on once requests have gone unserved for two election timeouts while it
 * does not hear a member of its quorum either (DESIGN §2.6); there, stalled retries only lengthen the delay.
 */
const SEED_VIEW_BUMP_AFTER = 3;

/**
 * The spec's InitClientVars: view 1, unless the client already knows a newer view; and, fixed mode, the
 * highest timestamp its predecessors on this machine saw (the hybrid clock's floor), so that a new client
 * whose clock lags stamps its first request where the cluster is, not where its clock is.
 */
export function initialClient(id: ClientId, view = 1, seenTs = 0): ClientState {
  return {
    id,
    view,
    nextReqID: 1,
    ownTs: 0,
    seenTs,
    pending: new Map(),
    oneWay: new Map(),
    reach: new Map(),
    jitGain: 0,
  };
}

function has(cfg: ProtocolConfig, f: Flaw): boolean {
  return cfg.flaws.has(f);
}

function nextTimestamp(cfg: ProtocolConfig, s: ClientState, now: number): number {
  // Fixed: a hybrid clock never goes below what the cluster has seen, so a lagging clock is not
  // rejected until it catches up. The flaw: only this client's own previous timestamp.
  const floor = has(cfg, 'clock-skew') ? s.ownTs : Math.max(s.ownTs, s.seenTs);
  const ts = Math.max(Math.floor(now + leadUs(cfg, s)), floor + 1);
  s.ownTs = ts;
  s.seenTs = Math.max(s.seenTs, ts);
  return ts;
}

/**
 * Just in time (fixed mode): stamp a request this far ahead of the clock, so that it reaches every member of
 * the quorum before their clocks pass its timestamp and they append requests in timestamp order: how long
 * requests take to arrive at the slowest member (mean + 4 deviations, the tail: one late arrival sets two logs
 * apart, DESIGN §2.8), or, until a replica has said, its one-way delay (mean + 2 deviations of half the round
 * trip). Only liveness depends on it.
 */
function leadUs(cfg: ProtocolConfig, s: ClientState): number {
  if (cfg.mode !== 'fixed' || has(cfg, 'clock-skew')) return 0;
  let lead = 0;
  for (const r of quorum(s.view, cfg.replicas)) {
    const a = s.reach.get(r);
    const d = s.oneWay.get(r);
    if (a) lead = Math.max(lead, a.mean + 4 * a.dev);
    else if (d) lead = Math.max(lead, d.mean + 2 * d.dev);
  }
  return s.jitGain * Math.min(lead, cfg.timing.maxLeadMs * 1000);
}

/**
 * How long to wait for the replies to an attempt before resending it. Fixed mode: at least the round trip
 * to the slowest quorum member as TCP bounds it (twice mean + 4 deviations of the one-way delay) plus the
 * lead the replicas may hold the request for; a fixed delay shorter than the round trip would resend every
 * request on a slow network (a fresh timestamp each time) and count the slowness as silence.
 */
function retryDelayMs(cfg: ProtocolConfig, s: ClientState): number {
  const base = cfg.timing.clientRetryMs;
  if (cfg.mode !== 'fixed') return base;
  let rtt = 0;
  for (const r of quorum(s.view, cfg.replicas)) {
    const d = s.oneWay.get(r);
    if (d) rtt = Math.max(rtt, 2 * (d.mean + 4 * d.dev));
  }
  return Math.max(base, Math.ceil((rtt + leadUs(cfg, s)) / 1000));
}

/** A reply to the current attempt: half its round trip (the one-way delay), and when it arrived (the reach). */
function sampleDelay(s: ClientState, p: Pending, m: ClientReply, now: number): void {
  const sample = (now - p.sentAt - (m.heldUs ?? 0)) / 2;
  if (sample >= 0) smooth(s.oneWay, m.src, sample);
  // When the current attempt arrived, on the replica's clock, less when it left, on ours.
  if (m.aheadUs !== undefined) smooth(s.reach, m.src, p.ts - m.aheadUs - p.sentAt);
}

/** A smoothed mean and mean deviation, as TCP smooths round trips. */
function smooth(map: Map<ReplicaId, { mean: number; dev: number }>, src: ReplicaId, sample: number): void {
  if (!Number.isFinite(sample)) return;
  const d = map.get(src);
  if (!d) {
    map.set(src, { mean: sample, dev: Math.abs(sample) / 2 });
    return;
  }
  d.dev += (Math.abs(sample - d.mean) - d.dev) / 4;
  d.mean += (sample - d.mean) / 8;
}

function sendAttempt(
  cfg: ProtocolConfig,
  s: ClientState,
  p: Pending,
  now: number,
  out: ClientEffect[],
): void {
  if (p.view !== s.view) {
    p.heard.clear();
    p.stalled = 0;
  }
  p.view = s.view;
  const ts = nextTimestamp(cfg, s, now);
  // Fixed: replicas refuse an attempt stamped past the request's lifetime (DESIGN §2.9); sending it anyway
  // would spin, since a refusal by the primary is answered at once. It waits for its deadline instead.
  if (p.attempts > 0 && cfg.mode === 'fixed' && !withinLifetime(cfg.timing, p.born, ts)) return;
  p.ts = ts;
  if (p.attempts === 0) p.born = p.ts;
  p.sentAt = now;
  p.reps = [];
  p.reconciled.clear();
  p.attempts++;
  const msg: ClientRequest = {
    type: 'ClientRequest',
    client: s.id,
    viewID: s.view,
    reqID: p.reqID,
    ts: p.ts,
    born: p.born,
    op: p.op,
  };
  const targets =
    p.op.f === 'read' && has(cfg, 'local-reads')
      ? [primary(s.view, cfg.replicas)]
      : quorum(s.view, cfg.replicas);
  for (const r of targets) out.push({ kind: 'send', to: r, msg });
  // The delay doubles while the request stalls, so slow links are not flooded with resends.
  const delay = retryDelayMs(cfg, s) * 2 ** Math.min(p.stalled, 3);
  if (!has(cfg, 'no-retry')) out.push({ kind: 'timer', reqID: p.reqID, ms: delay });
}

/** The spec's ClientRequest: a new request, sent to Quorum(view). Returns its request id. */
export function clientRequest(
  cfg: ProtocolConfig,
  s: ClientState,
  op: KvOp,
  now: number,
): { reqID: number; effects: ClientEffect[] } {
  const reqID = s.nextReqID++;
  const p: Pending = {
    reqID,
    op,
    view: s.view,
    ts: 0,
    reps: [],
    reconciled: new Set(),
    attempts: 0,
    stalled: 0,
    heard: new Set(),
    sentAt: now,
    born: 0,
  };
  s.pending.set(reqID, p);
  const effects: ClientEffect[] = [];
  sendAttempt(cfg, s, p, now, effects);
  return { reqID, effects };
}

/** The retry timer of a request fired (fixed mode): send it again, with a fresh timestamp. */
export function retryRequest(
  cfg: ProtocolConfig,
  s: ClientState,
  reqID: number,
  now: number,
): ClientEffect[] {
  const p = s.pending.get(reqID);
  if (!p || has(cfg, 'no-retry')) return [];
  const out: ClientEffect[] = [];
  const silent = quorum(p.view, cfg.replicas).some((r) => !p.heard.has(r));
  p.stalled = p.view === s.view && silent ? p.stalled + 1 : 0;
  if (p.stalled >= SEED_VIEW_BUMP_AFTER && cfg.mode !== 'fixed') {
    // Replicas adopt a client's higher view (HandleClientRequest), which starts the view change.
    s.view++;
    p.stalled = 0;
  }
  sendAttempt(cfg, s, p, now, out);
  return out;
}

/** The runtime gave up on the request (its deadline passed): forget it. Its outcome is unknown. */
export function abandonRequest(s: ClientState, reqID: number): ClientEffect[] {
  s.pending.delete(reqID);
  return [{ kind: 'timer', reqID, ms: null }];
}

/** The spec's HandleClientReply (and HandleReconcileReply, which is the same). */
export function handleClientReply(
  cfg: ProtocolConfig,
  s: ClientState,
  m: ClientReply,
  now: number,
): ClientEffect[] {
  const out: ClientEffect[] = [];
  if (m.client !== s.id) return out;
  if (m.lastTs !== undefined) s.seenTs = Math.max(s.seenTs, m.lastTs);
  const p = s.pending.get(m.reqID);
  if (!p) return out;
  const retries = !has(cfg, 'no-retry');

  if (m.viewID !== m.reqViewID) {
    // A replica in another view: learn a newer view. Fixed: resend what is pending in it.
    if (m.viewID > s.view) {
      s.view = m.viewID;
      if (retries) for (const q of s.pending.values()) sendAttempt(cfg, s, q, now, out);
    }
    return out;
  }
  if (m.viewID !== s.view || m.reqViewID !== p.view) return out;
  p.heard.add(m.src);
  if (m.type === 'ClientReply') sampleDelay(s, p, m, now);
  // A rejection in the request's own view is a timestamp that arrived out of order: stamp fully ahead. A
  // lead below the delay would hardly help (a request is late whenever its delay exceeds the lead).
  if (m.type === 'ClientReply' && !m.succeeded) s.jitGain = 1;

  const prim = primary(s.view, cfg.replicas);
  if (m.localRead) {
    if (m.succeeded && m.src === prim && m.result) resolve(s, p, m, m.result, out);
    return out;
  }

  // Aggregate: a success replaces earlier failures from that replica (fixed: and earlier successes, so a
  // reconciled replica's new checksum counts); a failure never hides a success.
  if (m.succeeded) {
    p.reps = p.reps.filter((n) => !(n.src === m.src && (!n.succeeded || retries)));
    p.reps.push(m);
  } else {
    if (p.reps.some((n) => n.src === m.src && n.succeeded)) return out;
    if (retries) p.reps = p.reps.filter((n) => n.src !== m.src);
    p.reps.push(m);
  }

  const q = quorum(s.view, cfg.replicas);
  const succeeded = new Set(p.reps.filter((n) => n.succeeded).map((n) => n.src));
  const isQuorum = succeeded.size === q.length && q.every((r) => succeeded.has(r));
  const isCommitted = p.reps.every((n) => n.succeeded) && new Set(p.reps.map((n) => n.checksum)).size === 1;
  const primaryRep = p.reps.find((n) => n.src === prim && n.succeeded);

  if (isQuorum && isCommitted && primaryRep) {
    // Fixed: the primary's entry at that index must be this very request (ties can no longer fake it).
    const mine = primaryRep.entryClient === s.id && primaryRep.entryReq === p.reqID;
    // Without the primary's result there is nothing true to report: let the request retry or time out.
    if ((mine || has(cfg, 'timestamp-tie')) && primaryRep.result)
      resolve(s, p, primaryRep, primaryRep.result, out);
    return out;
  }
  if (!isCommitted && primaryRep) {
    const stale = p.reps.filter(
      (n) => n.src !== prim && (n.checksum !== primaryRep.checksum || (!n.succeeded && retries)),
    );
    if (stale.length === 0) return out;
    // The seed sends the reconcile to the replica whose reply it is handling; fixed, to each stale one.
    const targets = has(cfg, 'misdirected-reconcile') ? [m.src] : stale.map((n) => n.src);
    for (const r of targets) {
      const key = `${r}/${primaryRep.index}`;
      if (p.reconciled.has(key)) continue;
      p.reconciled.add(key);
      out.push({
        kind: 'send',
        to: r,
        msg: {
          type: 'ReconcileRequest',
          client: s.id,
          viewID: s.view,
          reqID: p.reqID,
          reqViewID: p.view,
          index: primaryRep.index,
        },
      });
    }
    return out;
  }
  if (retries && !has(cfg, 'clock-skew') && !m.succeeded && m.src === prim) {
    // The primary rejected our timestamp: try again at once, above what it has (the hybrid clock saw
    // lastTs). Without the hybrid clock this would spin, so the flaw waits for the retry timer.
    sendAttempt(cfg, s, p, now, out);
  }
  return out;
}

function resolve(s: ClientState, p: Pending, rep: ClientReply, result: OpResult, out: ClientEffect[]): void {
  s.pending.delete(p.reqID);
  // Half-life ~350 commits: a reordering network rejects far more often than that, a calm one stops paying.
  s.jitGain *= 0.998;
  out.push({ kind: 'timer', reqID: p.reqID, ms: null });
  const commit: CommitInfo = {
    view: rep.viewID,
    index: rep.index,
    checksum: rep.checksum,
    ts: rep.ts,
    // What this client believes it committed, not what the replica says sits there: the checker compares the two.
    client: s.id,
    req: p.reqID,
  };
  if (p.op.f === 'cas' && !result.applied) {
    out.push({
      kind: 'resolve',
      reqID: p.reqID,
      outcome: { type: 'fail', error: 'cas-mismatch', result, commit },
    });
  } else {
    out.push({ kind: 'resolve', reqID: p.reqID, outcome: { type: 'ok', result, commit } });
  }
}

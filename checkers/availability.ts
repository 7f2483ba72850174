/**
 * Availability: the share of operations that succeeded in each time window, and two liveness rules. A correct
 * consensus system keeps committing while a quorum is connected and delays are bounded.
 * - Stalls: in a healthy period (no disruptive fault active: none at all, or only latency of at most 250 ms),
 *   a stretch of at least `stallNs` with operations in flight and none completing. Reordering on the client
 *   links (`reorder`, latency with jitter) counts as latency.
 * - Late operations: in a quiet period (no fault active at all), an operation must complete (ok or fail)
 *   within a bound; a timeout (info) is late. Checked after the final heal, and in other quiet periods once
 *   the cluster had `settleNs` to recover from the last fault and when no fault starts within the bound.
 *   Latency is left out on purpose: jitter makes requests reach replicas out of timestamp order, so they are
 *   rejected and resent; a correct cluster slows down (even past a client's timeout) but must not stall.
 * Partitions, crashes (kill, bounce), pauses, clock jumps, bandwidth caps and slicing are disruptive: they may
 * stop progress. Crashes and pauses of nodes the system survives losing (`survives`, from its plugin) are not.
 */
import type { Op } from '../core/history.js';
import { benignFault, DisruptionTracker, type Interval, type Survives } from './disruptions.js';
import { Pairer } from './operations.js';
import type { CheckResult, Operation } from './types.js';

export { benignFault, type Interval } from './disruptions.js';

export interface AvailabilityOptions {
  /** Window width in nanoseconds (default 1 s). */
  windowNs?: number;
  /** Time (ns) of the final heal; default: the nemesis's last "heal" event. No nemesis at all: the start. */
  healedAt?: number;
  /** How long (ns) an operation invoked in a healthy period may take (default 5 s). */
  boundNs?: number;
  /** Recovery time (ns) after a disruptive fault before operations are held to the bound (default 3 s). */
  settleNs?: number;
  /** Longest stretch (ns) without a completion that a healthy cluster may have (default 5 s). */
  stallNs?: number;
  /** Whether a nemesis start record leaves the cluster able to progress (default `benignFault`). */
  benign?: (record: Record<string, unknown>) => boolean;
  /** Whether the system keeps working with these nodes crashed or paused; while it does, it is healthy (default: with none). */
  survives?: Survives;
}

export interface AvailabilityResult extends CheckResult {
  checker: 'availability';
  windows: Array<{ start: number; ops: number; ok: number; share: number }>;
  healedAt: number;
  /** Operations held to the bound that did not complete within it (took null: timed out or never ended). */
  late: Array<{ process: number | string; f: string; invokedAt: number; took: number | null }>;
  /** Periods with no disruptive fault active, where stalls are looked for. */
  healthy: Interval[];
  /** Periods with no fault active at all, where operations are held to the bound. */
  quiet: Interval[];
  /** Stretches of a healthy period with operations in flight and none completing, at least `stallNs` long. */
  stalls: Interval[];
}

/**
 * Two passes over the events (an array, or a stream that reads its file again): the first collects the
 * nemesis's events (few) and the run's span, the second counts windows, late operations and stalls as events
 * go by. Memory is the windows, the faults and the findings, not the history. Events come in time order.
 */
export function checkAvailability(history: Iterable<Op>, opts: AvailabilityOptions = {}): AvailabilityResult {
  const windowNs = opts.windowNs ?? 1e9;
  const boundNs = opts.boundNs ?? 5e9;
  const nemesis: Op[] = [];
  let end = 0;
  let first = Number.POSITIVE_INFINITY;
  for (const op of history) {
    end = op.time;
    if (op.process === 'nemesis') nemesis.push(op);
    else if (op.type === 'invoke' && op.time < first) first = op.time;
  }
  if (first === Number.POSITIVE_INFINITY) first = end;
  // A run cut short before its final heal has no "after the heal"; its quiet periods are still checked.
  const heal = nemesis.findLast((op) => op.f === 'heal');
  const healedAt = opts.healedAt ?? heal?.time ?? (nemesis.length > 0 ? end : 0);
  const healthy = subtract(
    { start: first, end },
    disruptions(nemesis, new DisruptionTracker(opts.benign ?? benignFault, opts.survives), end),
  );
  const quiet = subtract(
    { start: first, end },
    disruptions(nemesis, new DisruptionTracker(() => false), end),
  );
  const heldToBound = (t: number): boolean => {
    if (t >= healedAt) return true;
    const h = quiet.find((p) => p.start <= t && t < p.end);
    if (!h) return false;
    const recovered = h.start === first || t - h.start >= (opts.settleNs ?? 3e9);
    return recovered && (h.end === end || h.end - t >= boundNs);
  };
  const windows = new Map<number, { ops: number; ok: number }>();
  const late: Array<AvailabilityResult['late'][number] & { id: number }> = [];
  const judge = (op: Operation, invoked: number, done: number | null) => {
    const w = Math.floor(invoked / windowNs) * windowNs;
    const bucket = windows.get(w) ?? { ops: 0, ok: 0 };
    bucket.ops++;
    if (op.status === 'ok') bucket.ok++;
    windows.set(w, bucket);
    if (!heldToBound(invoked)) return;
    // An info outcome is a timeout; an operation cut off by the end of the run is only late if it had time.
    const took = done === null || op.status === 'info' ? null : done - invoked;
    if (took === null ? end - invoked > boundNs : took > boundNs) {
      late.push({ id: op.id, process: op.process, f: op.f, invokedAt: invoked, took });
    }
  };
  const stalls = new StallFinder(healthy, opts.stallNs ?? 5e9);
  const pairer = new Pairer();
  const invokedAt = new Map<Op['process'], number>();
  let i = 0;
  for (const ev of history) {
    const op = pairer.event(ev, i++);
    if (!op) continue;
    stalls.advance(ev.time);
    if (ev.type === 'invoke') {
      invokedAt.set(ev.process, ev.time);
      stalls.busy(+1);
      continue;
    }
    const invoked = invokedAt.get(ev.process)!;
    invokedAt.delete(ev.process);
    stalls.busy(-1);
    if (ev.type !== 'info') stalls.completion(ev.time);
    judge(op, invoked, ev.type === 'info' ? null : ev.time);
  }
  for (const op of pairer.rest()) judge(op, invokedAt.get(op.process)!, null);
  const found = stalls.finish(end);
  const result: AvailabilityResult = {
    checker: 'availability',
    valid: late.length === 0 && found.length === 0,
    windows: [...windows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([start, b]) => ({ start, ops: b.ops, ok: b.ok, share: b.ops === 0 ? 0 : b.ok / b.ops })),
    healedAt,
    // In invocation order; found in completion order.
    late: late.sort((a, b) => a.id - b.id).map(({ id: _, ...l }) => l),
    healthy,
    quiet,
    stalls: found,
  };
  const reasons: string[] = [];
  if (result.stalls.length > 0) {
    const s = result.stalls[0]!;
    reasons.push(
      `${result.stalls.length} stall(s) with no disruptive fault active; first: nothing completed from ${s.start} ns for ${((s.end - s.start) / 1e6).toFixed(0)} ms`,
    );
  }
  if (result.late.length > 0) {
    const l = result.late[0]!;
    reasons.push(
      `${result.late.length} operation(s) invoked with no fault active did not complete within ${boundNs / 1e6} ms; first: ${l.f} by process ${l.process} invoked at ${l.invokedAt} ns`,
    );
  }
  if (reasons.length > 0) result.reason = reasons.join('; ');
  return result;
}

/**
 * Stalls, found as the events go by: in each healthy period, gaps between consecutive definite completions
 * (and the period's ends) at least `minNs` long in which clients spent at least `minNs` waiting: idle time
 * (the quiet phase, think time) does not count, so only a cluster that was asked and did not answer stalls.
 * Waiting time is the measure of the moments with some operation in flight (an invocation until its
 * completion, a timeout included: the client gave up then), kept as a running total.
 */
class StallFinder {
  readonly found: Interval[] = [];
  /** Operations in flight now, and the waiting time accumulated up to `now`. */
  private inFlight = 0;
  private waited = 0;
  private now = Number.NEGATIVE_INFINITY;
  /** The healthy period we are in or before; `from` and its waiting total once inside it. */
  private h = 0;
  private from: number | null = null;
  private waitedFrom = 0;

  constructor(
    private readonly healthy: Interval[],
    private readonly minNs: number,
  ) {}

  /** Waiting time accumulated up to x, for now <= x up to the next event. */
  private waitedAt(x: number): number {
    return this.inFlight > 0 ? this.waited + (x - this.now) : this.waited;
  }

  private gap(to: number, waitedTo: number): void {
    const from = this.from!;
    if (to - from >= this.minNs && waitedTo - this.waitedFrom >= this.minNs)
      this.found.push({ start: from, end: to });
    this.from = to;
    this.waitedFrom = waitedTo;
  }

  /** Moves time to t (an event's time), entering and leaving healthy periods on the way. */
  advance(t: number): void {
    if (this.now === Number.NEGATIVE_INFINITY) this.now = t;
    for (;;) {
      const h = this.healthy[this.h];
      if (!h) break;
      if (this.from === null && h.start <= t) {
        this.from = h.start;
        this.waitedFrom = this.waitedAt(h.start);
        continue;
      }
      // A completion at the very end of a period belongs to it: the period ends once time is past it.
      if (this.from !== null && h.end < t) {
        this.gap(h.end, this.waitedAt(h.end));
        this.from = null;
        this.h++;
        continue;
      }
      break;
    }
    this.waited = this.waitedAt(t);
    this.now = t;
  }

  busy(delta: number): void {
    this.inFlight += delta;
  }

  /** A definite completion at the current time. */
  completion(t: number): void {
    if (this.from !== null) this.gap(t, this.waited);
  }

  /** At the run's end (the last event, perhaps the nemesis's): the periods up to it, the last one closed. */
  finish(end: number): Interval[] {
    this.advance(end);
    const h = this.healthy[this.h];
    if (h && this.from !== null) this.gap(h.end, this.waitedAt(h.end));
    return this.found;
  }
}

/** When the tracker says progress may have stopped, over the nemesis's events (disruptions.ts). */
function disruptions(nemesis: Op[], tracker: DisruptionTracker, end: number): Interval[] {
  for (const op of nemesis) tracker.event(op);
  return tracker.all(end);
}

/** `whole` minus a sorted union of intervals. */
function subtract(whole: Interval, cut: Interval[]): Interval[] {
  const out: Interval[] = [];
  let from = whole.start;
  for (const c of cut) {
    if (c.end <= from) continue;
    if (c.start >= whole.end) break;
    if (c.start > from) out.push({ start: from, end: c.start });
    from = Math.max(from, c.end);
  }
  if (from < whole.end) out.push({ start: from, end: whole.end });
  return out;
}

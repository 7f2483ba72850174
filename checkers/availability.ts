/**
 * Availability: the share of operations that succeeded in each time window, and two liveness rules. A correct
 * consensus system keeps committing while a quorum is connected and delays are bounded.
 * - Stalls: in a healthy period (no disruptive fault active: none at all, or only latency of at most 250 ms),
 *   a stretch of at least `stallNs` with operations in flight and none completing.
 * - Late operations: in a quiet period (no fault active at all), an operation must complete (ok or fail)
 *   within a bound; a timeout (info) is late. Checked after the final heal, and in other quiet periods once
 *   the cluster had `settleNs` to recover from the last fault and when no fault starts within the bound.
 *   Latency is left out on purpose: jitter makes requests reach replicas out of timestamp order, so they are
 *   rejected and resent; a correct cluster slows down (even past a client's timeout) but must not stall.
 * Partitions, crashes, pauses, clock jumps, bandwidth caps and slicing are disruptive: they may stop progress.
 */
import type { History, Op } from '../core/history.js';
import { pairOperations } from './operations.js';
import type { CheckResult } from './types.js';

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
}

export interface Interval {
  start: number;
  end: number;
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

/** Delays this small (latency + jitter, ms, per hop) leave every timeout of a correct system far away. */
const BENIGN_LATENCY_MS = 250;
export function benignFault(record: Record<string, unknown>): boolean {
  // A slow machine (the simulator's standing condition) is latency on every link of one node.
  if (record.fault !== 'latency' && record.fault !== 'slow-machine') return false;
  const a = (record.attributes ?? {}) as { latency?: number; jitter?: number };
  return (a.latency ?? 0) + (a.jitter ?? 0) <= BENIGN_LATENCY_MS;
}

export function checkAvailability(history: History, opts: AvailabilityOptions = {}): AvailabilityResult {
  const windowNs = opts.windowNs ?? 1e9;
  const boundNs = opts.boundNs ?? 5e9;
  const nemesis = history.filter((op) => op.process === 'nemesis');
  const end = history.length > 0 ? history[history.length - 1]!.time : 0;
  // A run cut short before its final heal has no "after the heal"; its quiet periods are still checked.
  const heal = nemesis.findLast((op) => op.f === 'heal');
  const healedAt = opts.healedAt ?? heal?.time ?? (nemesis.length > 0 ? end : 0);
  const ops = pairOperations(history);
  const { busy, completions } = inFlight(history, end);
  const first = busy.length > 0 ? busy[0]!.start : end;
  const healthy = subtract({ start: first, end }, disruptions(nemesis, opts.benign ?? benignFault, end));
  const quiet = subtract(
    { start: first, end },
    disruptions(nemesis, () => false, end),
  );
  const heldToBound = (t: number): boolean => {
    if (t >= healedAt) return true;
    const h = quiet.find((p) => p.start <= t && t < p.end);
    if (!h) return false;
    const recovered = h.start === first || t - h.start >= (opts.settleNs ?? 3e9);
    return recovered && (h.end === end || h.end - t >= boundNs);
  };
  const windows = new Map<number, { ops: number; ok: number }>();
  const late: AvailabilityResult['late'] = [];
  for (const op of ops) {
    const invoked = history[op.call]!.time;
    const done = Number.isFinite(op.ret) ? history[op.ret]!.time : null;
    const w = Math.floor(invoked / windowNs) * windowNs;
    const bucket = windows.get(w) ?? { ops: 0, ok: 0 };
    bucket.ops++;
    if (op.status === 'ok') bucket.ok++;
    windows.set(w, bucket);
    if (!heldToBound(invoked)) continue;
    // An info outcome is a timeout; an operation cut off by the end of the run is only late if it had time.
    const took = done === null || op.status === 'info' ? null : done - invoked;
    if (took === null ? end - invoked > boundNs : took > boundNs) {
      late.push({ process: op.process, f: op.f, invokedAt: invoked, took });
    }
  }
  const stalls = findStalls(healthy, busy, completions, opts.stallNs ?? 5e9);
  const result: AvailabilityResult = {
    checker: 'availability',
    valid: late.length === 0 && stalls.length === 0,
    windows: [...windows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([start, b]) => ({ start, ops: b.ops, ok: b.ok, share: b.ops === 0 ? 0 : b.ok / b.ops })),
    healedAt,
    late,
    healthy,
    quiet,
    stalls,
  };
  const reasons: string[] = [];
  if (stalls.length > 0) {
    const s = stalls[0]!;
    reasons.push(
      `${stalls.length} stall(s) with no disruptive fault active; first: nothing completed from ${s.start} ns for ${((s.end - s.start) / 1e6).toFixed(0)} ms`,
    );
  }
  if (late.length > 0) {
    const l = late[0]!;
    reasons.push(
      `${late.length} operation(s) invoked with no fault active did not complete within ${boundNs / 1e6} ms; first: ${l.f} by process ${l.process} invoked at ${l.invokedAt} ns`,
    );
  }
  if (reasons.length > 0) result.reason = reasons.join('; ');
  return result;
}

/**
 * When clients were waiting (an invocation until its completion, a timeout included: the client gave up
 * then and moved on), and when operations completed definitely (ok or fail).
 */
function inFlight(history: History, end: number): { busy: Interval[]; completions: number[] } {
  const open = new Map<Op['process'], number>();
  const spans: Interval[] = [];
  const completions: number[] = [];
  for (const op of history) {
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      open.set(op.process, op.time);
      continue;
    }
    const start = open.get(op.process);
    open.delete(op.process);
    if (start !== undefined) spans.push({ start, end: op.time });
    if (op.type !== 'info') completions.push(op.time);
  }
  for (const start of open.values()) spans.push({ start, end });
  return { busy: merge(spans), completions };
}

/** When disruptive faults were active: from each start to its fault's stop, or to the next heal. */
function disruptions(
  nemesis: Op[],
  benign: (r: Record<string, unknown>) => boolean,
  end: number,
): Interval[] {
  const active = new Map<string, number>();
  const out: Interval[] = [];
  for (const op of nemesis) {
    const rec = (op.value ?? {}) as Record<string, unknown>;
    const fault = typeof rec.fault === 'string' ? rec.fault : String(op.f);
    if (op.f === 'start') {
      // A restart of a running fault keeps its first start; a benign restart ends a disruptive one.
      if (!benign(rec)) {
        if (!active.has(fault)) active.set(fault, op.time);
      } else if (active.has(fault)) {
        out.push({ start: active.get(fault)!, end: op.time });
        active.delete(fault);
      }
    } else if (op.f === 'stop' && active.has(fault)) {
      out.push({ start: active.get(fault)!, end: op.time });
      active.delete(fault);
    } else if (op.f === 'heal') {
      for (const start of active.values()) out.push({ start, end: op.time });
      active.clear();
    }
  }
  for (const start of active.values()) out.push({ start, end });
  return merge(out);
}

/** Sorted, non-overlapping union. */
function merge(xs: Interval[]): Interval[] {
  const sorted = [...xs].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const x of sorted) {
    const last = out[out.length - 1];
    if (last && x.start <= last.end) last.end = Math.max(last.end, x.end);
    else out.push({ ...x });
  }
  return out;
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

/**
 * Gaps between consecutive completions inside healthy periods, where clients spent at least `minNs` waiting:
 * idle time (the quiet phase, think time) does not count, so only a cluster that was asked and did not
 * answer stalls.
 */
function findStalls(healthy: Interval[], busy: Interval[], completions: number[], minNs: number): Interval[] {
  const done = [...completions].sort((a, b) => a - b);
  const out: Interval[] = [];
  const waited = (from: number, to: number) => {
    let t = 0;
    for (const b of busy) {
      if (b.start >= to) break;
      t += Math.max(0, Math.min(b.end, to) - Math.max(b.start, from));
    }
    return t;
  };
  let k = 0;
  for (const h of healthy) {
    let from = h.start;
    while (k < done.length && done[k]! < h.start) k++;
    const ends = [];
    while (k < done.length && done[k]! <= h.end) ends.push(done[k++]!);
    ends.push(h.end);
    for (const to of ends) {
      if (to - from >= minNs && waited(from, to) >= minNs) out.push({ start: from, end: to });
      from = to;
    }
  }
  return out;
}

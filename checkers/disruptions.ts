/**
 * Which faults stop a correct cluster from progressing, and when they were active, from the nemesis's events
 * in a history. Shared by the checkers that hold a cluster to progress only when it was given the chance
 * (availability's healthy periods, stats' fair tries).
 */
import type { Op } from '../core/history.js';

export interface Interval {
  start: number;
  end: number;
}

/** Delays this small (latency + jitter, ms, per hop) leave every timeout of a correct system far away. */
const BENIGN_LATENCY_MS = 250;

/**
 * Whether a nemesis start record leaves the cluster able to progress: latency (and reordering) of at most
 * 250 ms. Partitions, crashes, pauses, clock jumps, bandwidth caps and slicing are disruptive.
 */
export function benignFault(record: Record<string, unknown>): boolean {
  // A slow machine (the simulator's standing condition) is latency on every link of one node.
  if (record.fault !== 'latency' && record.fault !== 'reorder' && record.fault !== 'slow-machine')
    return false;
  const a = (record.attributes ?? {}) as { latency?: number; jitter?: number };
  return (a.latency ?? 0) + (a.jitter ?? 0) <= BENIGN_LATENCY_MS;
}

/** The disruptive faults active as the nemesis's events go by, in time order; other events are ignored. */
export class DisruptionTracker {
  private readonly active = new Map<string, number>();
  /** Disruptions that ended, each from a fault's start to its stop (or the next heal). */
  readonly ended: Interval[] = [];
  /** How many times a disruption began (a calm stretch ended). */
  began = 0;

  constructor(private readonly benign: (record: Record<string, unknown>) => boolean = benignFault) {}

  get disrupted(): boolean {
    return this.active.size > 0;
  }

  event(op: Op): void {
    if (op.process !== 'nemesis') return;
    const rec = (op.value ?? {}) as Record<string, unknown>;
    const fault = typeof rec.fault === 'string' ? rec.fault : String(op.f);
    if (op.f === 'start') {
      // A restart of a running fault keeps its first start; a benign restart ends a disruptive one.
      if (!this.benign(rec)) {
        if (this.active.size === 0) this.began++;
        if (!this.active.has(fault)) this.active.set(fault, op.time);
      } else this.end(fault, op.time);
    } else if (op.f === 'stop') this.end(fault, op.time);
    else if (op.f === 'heal') for (const f of [...this.active.keys()]) this.end(f, op.time);
  }

  /** Every disruption, those still active running to `end`: a sorted, non-overlapping union. */
  all(end: number): Interval[] {
    return merge([...this.ended, ...[...this.active.values()].map((start) => ({ start, end }))]);
  }

  private end(fault: string, time: number): void {
    const start = this.active.get(fault);
    if (start === undefined) return;
    this.ended.push({ start, end: time });
    this.active.delete(fault);
  }
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

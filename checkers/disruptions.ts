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

/** Whether the system under test keeps working with these nodes down or frozen. */
export type Survives = (down: ReadonlySet<string>) => boolean;

/**
 * Faults that only stop the nodes their record names in `targets` (crashed, frozen, or restarted without their
 * state): a system that keeps working without those nodes is not disrupted by them. One that kills the
 * primary of each view change in turn (vc-kill) stops progress by design and is not among them.
 */
const STOPS_TARGETS = new Set(['kill', 'pause', 'disk-loss', 'power']);

/** The nodes a fault's start record stops, or null if it is disruptive however few it touches. */
function stoppedNodes(fault: string, rec: Record<string, unknown>): string[] | null {
  if (!STOPS_TARGETS.has(fault)) return null;
  if (Array.isArray(rec.targets)) return rec.targets.map(String);
  // A refused fault (disk-loss while another node is down) stopped nothing; one that does not say whom it
  // stopped may have stopped any number.
  return rec.skipped !== undefined ? [] : null;
}

/** The nodes whose state a fault's start record says it destroyed (disk-loss's `stateLost`, a scrambled WAL). */
function lostNodes(rec: Record<string, unknown>): string[] {
  const lost = Array.isArray(rec.stateLost) ? rec.stateLost.map(String) : [];
  return typeof rec.scrambled === 'string' ? [...lost, rec.scrambled] : lost;
}

/**
 * Whether progress may stop, as the nemesis's events go by in time order (other events are ignored): some
 * disruptive fault is active, or faults stopped nodes the system under test does not keep working without
 * (`survives`: none unless its plugin says, e.g. any minority for a majority-quorum protocol). A node that lost its
 * state counts as stopped until the final heal: it works again only once it has recovered from the others,
 * which the nemesis's records do not say.
 */
export class DisruptionTracker {
  /** Active disruptive faults, each with the nodes it stopped (null: it disrupts whatever it touches). */
  private readonly active = new Map<string, string[] | null>();
  /** Nodes that lost their state since the last heal. */
  private readonly lost = new Set<string>();
  /** When the current disruption began, if one is on. */
  private since: number | null = null;
  /** Disruptions that ended. */
  private readonly ended: Interval[] = [];
  /** How many times a disruption began (a calm stretch ended). */
  began = 0;

  constructor(
    private readonly benign: (record: Record<string, unknown>) => boolean = benignFault,
    private readonly survives: Survives = (down) => down.size === 0,
  ) {}

  get disrupted(): boolean {
    return this.since !== null;
  }

  event(op: Op): void {
    if (op.process !== 'nemesis') return;
    const rec = (op.value ?? {}) as Record<string, unknown>;
    const fault = typeof rec.fault === 'string' ? rec.fault : String(op.f);
    if (op.f === 'start') {
      // A benign restart of a running fault ends it; a disruptive one stops what its new record names.
      if (this.benign(rec)) this.active.delete(fault);
      else this.active.set(fault, stoppedNodes(fault, rec));
      for (const n of lostNodes(rec)) this.lost.add(n);
    } else if (op.f === 'stop') this.active.delete(fault);
    else if (op.f === 'heal') {
      this.active.clear();
      this.lost.clear();
    } else return;
    const now = this.stopsProgress();
    if (now && this.since === null) {
      this.since = op.time;
      this.began++;
    } else if (!now && this.since !== null) {
      this.ended.push({ start: this.since, end: op.time });
      this.since = null;
    }
  }

  /** Every disruption, one still on running to `end`: a sorted, non-overlapping union. */
  all(end: number): Interval[] {
    return merge(this.since === null ? this.ended : [...this.ended, { start: this.since, end }]);
  }

  private stopsProgress(): boolean {
    const stopped = new Set(this.lost);
    for (const nodes of this.active.values()) {
      if (nodes === null) return true;
      for (const n of nodes) stopped.add(n);
    }
    return !this.survives(stopped);
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

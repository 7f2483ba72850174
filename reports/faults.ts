/**
 * Nemesis actions into fault intervals (a start to the next stop of the same kind, or to the final heal) and
 * clock offsets over time.
 */
import type { Op } from '../core/history.js';
import { nsToMs, showValue } from './ops.js';
import type { ClockSeries, FaultInterval } from './types.js';

function kindOf(op: Op): string {
  const v = op.value as { fault?: unknown } | null;
  if (v && typeof v === 'object' && typeof v.fault === 'string') return v.fault;
  return 'unknown';
}

export class FaultCollector {
  private readonly intervals: FaultInterval[] = [];
  private readonly openByKind = new Map<string, FaultInterval>();
  private readonly clockActions: Array<{ t: number; offsets: Record<string, number> }> = [];
  actions = 0;

  add(op: Op): void {
    if (op.process !== 'nemesis') return;
    this.actions++;
    const kind = kindOf(op);
    const t = nsToMs(op.time);
    const v = op.value as { offsets?: unknown } | null;
    if (v && typeof v === 'object' && v.offsets && typeof v.offsets === 'object') {
      const offsets: Record<string, number> = {};
      for (const [node, us] of Object.entries(v.offsets as Record<string, unknown>)) {
        if (typeof us === 'number' && Number.isFinite(us)) offsets[node] = us;
      }
      this.clockActions.push({ t, offsets });
    }
    if (op.f === 'start') {
      // A second start of a kind already on leaves the first interval open: it lasts until the stop.
      if (this.openByKind.has(kind)) return;
      const iv: FaultInterval = {
        kind,
        start: t,
        end: Number.NaN,
        openStart: false,
        openEnd: true,
        detail: showValue(op.value) ?? '',
      };
      this.openByKind.set(kind, iv);
      this.intervals.push(iv);
    } else if (op.f === 'heal') {
      // The final heal undoes every fault it names (all of them when it names none), clocks included.
      const healed = (op.value as { healed?: unknown } | null)?.healed;
      const kinds = Array.isArray(healed) ? healed.map(String) : [...this.openByKind.keys()];
      for (const k of kinds) {
        const iv = this.openByKind.get(k);
        if (!iv) continue;
        iv.end = t;
        iv.openEnd = false;
        iv.detail += ` … healed`;
        this.openByKind.delete(k);
      }
      if (this.clockActions.length > 0 && (kinds.includes('clock') || !Array.isArray(healed))) {
        this.clockActions.push({ t, offsets: {} });
      }
    } else if (op.f === 'stop') {
      const iv = this.openByKind.get(kind);
      if (iv) {
        iv.end = t;
        iv.openEnd = false;
        iv.detail += ` … ${showValue(op.value) ?? ''}`;
        this.openByKind.delete(kind);
      } else {
        // Stopped without a start: the fault was on from the beginning.
        this.intervals.push({
          kind,
          start: 0,
          end: t,
          openStart: true,
          openEnd: false,
          detail: showValue(op.value) ?? '',
        });
      }
    }
  }

  /** Intervals sorted by start; those never stopped run to `endMs`. */
  faults(endMs: number): FaultInterval[] {
    return this.intervals
      .map((iv) => (Number.isNaN(iv.end) ? { ...iv, end: Math.max(iv.start, endMs) } : iv))
      .sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
  }

  /** Offsets in force over time, as step series; null when the run never touched a clock. */
  clock(endMs: number): ClockSeries | null {
    if (this.clockActions.length === 0) return null;
    const nodes = [...new Set(this.clockActions.flatMap((a) => Object.keys(a.offsets)))].sort();
    const t: number[] = [0];
    const offsetsMs: number[][] = nodes.map(() => [0]);
    for (const a of this.clockActions) {
      t.push(a.t);
      // A node not named by an action is back at offset 0: each action lists what is in force after it.
      for (const [i, n] of nodes.entries()) offsetsMs[i]!.push((a.offsets[n] ?? 0) / 1000);
    }
    t.push(Math.max(endMs, this.clockActions[this.clockActions.length - 1]!.t));
    for (const s of offsetsMs) s.push(s[s.length - 1]!);
    return { nodes, t, offsetsMs };
  }
}

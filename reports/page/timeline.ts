/**
 * The operations timeline: one lane per fault kind, per replica (status over time) and per worker slot
 * (Jepsen's thread: process modulo concurrency, so a run that retires thousands of processes after
 * indeterminate operations still has as many lanes as workers; a tick marks where a new process takes the
 * slot over), drawn on a canvas. Only what is in view is drawn, and at most one rectangle per pixel column per lane and colour,
 * so 100,000+ operations stay smooth. Ctrl+wheel or the buttons zoom, drag or shift+wheel pans, the native
 * scrollbar moves through the lanes.
 */
import type { ReportData } from '../types.js';
import { el, faultRgb, OUTCOME_COLORS, type Tooltip } from './dom.js';
import { describeOp, type Ops } from './ops.js';

const ROW = 16;
const AXIS = 24;
const LABEL = 90;
const MAX_HEIGHT = 520;
const STATUS_COLORS: Record<string, string> = {
  Normal: '#7cc68a',
  ViewChange: '#f2c14e',
  Recovering: '#b48ae0',
  down: '#e4e4e4',
};

interface Segment {
  start: number;
  end: number;
  color: string;
  text: string;
}

interface Lane {
  label: string;
  kind: 'fault' | 'replica' | 'process';
  /** Fault and replica lanes: their segments. Process lanes: their operations' indices, by start. */
  segments?: Segment[];
  ops?: Int32Array;
  /** Worker-slot lanes: start times (ms) of the operations where another process took the slot over. */
  changes?: Float64Array;
}

function replicaSegments(d: ReportData, replica: string): Segment[] {
  const out: Segment[] = [];
  type Up = { start: number; status: string; view: number | null };
  const state: { cur: Up | null } = { cur: null };
  const close = (t: number) => {
    const c = state.cur;
    if (c) {
      const text = `${replica}: ${c.status}${c.view === null ? '' : ` in view ${c.view}`}`;
      out.push({ start: c.start, end: t, color: STATUS_COLORS[c.status] ?? '#c9d6e8', text });
    }
    state.cur = null;
  };
  for (const e of d.replicaEvents.events) {
    if (e.replica !== replica) continue;
    if (e.event === 'stop') {
      close(e.t);
      continue;
    }
    const prev: Up | null = state.cur;
    const status: string = e.status ?? prev?.status ?? 'up';
    const view: number | null = e.view ?? prev?.view ?? null;
    if (prev && prev.status === status && prev.view === view && e.event !== 'start') continue;
    close(e.t);
    state.cur = { start: e.t, status, view };
  }
  close(d.endMs);
  return out;
}

export function timeline(d: ReportData, ops: Ops, tooltip: Tooltip): HTMLElement {
  const lanes: Lane[] = [];
  for (const kind of d.faultKinds) {
    const rgb = faultRgb(kind, d.faultKinds);
    lanes.push({
      label: `⚡ ${kind}`,
      kind: 'fault',
      segments: d.faults
        .filter((f) => f.kind === kind)
        .map((f) => ({
          start: f.start,
          end: f.end,
          color: `rgba(${rgb},0.75)`,
          text: `${kind}: ${f.detail}`,
        })),
    });
  }
  for (const r of d.replicaEvents.replicas)
    lanes.push({ label: r, kind: 'replica', segments: replicaSegments(d, r) });
  lanes.push(...processLanes(d, ops));

  const height = Math.min(MAX_HEIGHT, AXIS + lanes.length * ROW + 4);
  const canvas = el('canvas', { class: 'tl-canvas', tabindex: 0, 'aria-label': 'operations timeline' });
  const spacer = el('div', { class: 'tl-spacer' });
  const scroller = el('div', { class: 'tl-scroll' }, canvas, spacer);
  scroller.style.height = `${height}px`;
  spacer.style.height = `${Math.max(0, AXIS + lanes.length * ROW + 4 - height)}px`;
  const range = el('span', { class: 'tl-range' });
  const btn = (label: string, title: string, fn: () => void) => {
    const b = el('button', { type: 'button', title }, label);
    b.addEventListener('click', fn);
    return b;
  };
  const full = { x0: 0, x1: Math.max(d.endMs, 1) };
  const view = { ...full };

  const zoom = (factor: number, at = (view.x0 + view.x1) / 2) => {
    const span = Math.min(full.x1 - full.x0, Math.max(0.01, (view.x1 - view.x0) * factor));
    const frac = (at - view.x0) / (view.x1 - view.x0);
    view.x0 = at - frac * span;
    view.x1 = view.x0 + span;
    pan(0);
  };
  const pan = (dt: number) => {
    const span = view.x1 - view.x0;
    view.x0 = Math.min(Math.max(full.x0, view.x0 + dt), full.x1 - span);
    view.x1 = view.x0 + span;
    schedule();
  };
  const toolbar = el(
    'div',
    { class: 'tl-toolbar' },
    btn('+', 'zoom in', () => zoom(0.5)),
    btn('-', 'zoom out', () => zoom(2)),
    btn('reset', 'whole run', () => {
      Object.assign(view, full);
      schedule();
    }),
    range,
    el('span', { class: 'muted' }, ' ctrl+wheel zooms, drag or shift+wheel pans, scroll for more lanes'),
  );
  const root = el('div', { class: 'timeline', id: 'timeline' }, toolbar, scroller);

  let frame = 0;
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(draw);
  };
  const xOf = (t: number, w: number) => LABEL + ((t - view.x0) / (view.x1 - view.x0)) * (w - LABEL);
  const tOf = (x: number, w: number) => view.x0 + ((x - LABEL) / (w - LABEL)) * (view.x1 - view.x0);

  function draw(): void {
    frame = 0;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const w = scroller.clientWidth;
    const h = height;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    const scroll = scroller.scrollTop;
    const first = Math.max(0, Math.floor(scroll / ROW));
    const last = Math.min(lanes.length - 1, Math.ceil((scroll + h - AXIS) / ROW));
    const yOf = (lane: number) => AXIS + lane * ROW - scroll;
    let drawn = 0;

    // Faults shade every lane underneath the operations.
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL, AXIS, w - LABEL, h - AXIS);
    ctx.clip();
    for (const f of d.faults) {
      if (f.end < view.x0 || f.start > view.x1) continue;
      const x0 = xOf(f.start, w);
      ctx.fillStyle = `rgba(${faultRgb(f.kind, d.faultKinds)},0.10)`;
      ctx.fillRect(x0, AXIS, Math.max(1, xOf(f.end, w) - x0), h - AXIS);
    }
    for (let li = first; li <= last; li++) {
      const lane = lanes[li]!;
      const y = yOf(li);
      if (lane.segments) {
        for (const s of lane.segments) {
          if (s.end < view.x0 || s.start > view.x1) continue;
          const x0 = xOf(s.start, w);
          ctx.fillStyle = s.color;
          ctx.fillRect(x0, y + 2, Math.max(1, xOf(s.end, w) - x0), ROW - 4);
          drawn++;
        }
        continue;
      }
      const list = lane.ops!;
      // Operations that can reach into the window start at most maxLatency before it.
      const startsFrom = lowerBoundIdx(list, ops.start, view.x0 - ops.maxLatency);
      // Operations narrower than a few pixels that touch merge into one bar of their colour: at 100,000+
      // operations a lane is a few thousand bars at most, whatever the zoom.
      let runX0 = 0;
      let runX1 = -1;
      let runColor = '';
      let runOps = 0;
      const flush = () => {
        if (runX1 < 0) return;
        ctx.fillStyle = runColor;
        const gap = runOps === 1 && runX1 - runX0 > 3 ? 1 : 0;
        ctx.fillRect(runX0, y + 3, runX1 - runX0 - gap, ROW - 6);
        drawn++;
        runX1 = -1;
      };
      for (let k = startsFrom; k < list.length; k++) {
        const i = list[k]!;
        const s = ops.start[i]!;
        if (s > view.x1) break;
        const e = Number.isNaN(ops.end[i]!) ? d.endMs : ops.end[i]!;
        if (e < view.x0) continue;
        const x0 = Math.floor(xOf(s, w));
        const x1 = Math.max(x0 + 1, Math.ceil(xOf(e, w)));
        const color = OUTCOME_COLORS[(['ok', 'fail', 'info', 'pending'] as const)[ops.type[i]!]!];
        if (color === runColor && x0 <= runX1 && (x1 - x0 <= 3 || runOps > 1)) {
          runX1 = Math.max(runX1, x1);
          runOps++;
          continue;
        }
        flush();
        runX0 = x0;
        runX1 = x1;
        runColor = color;
        runOps = 1;
      }
      flush();
      // Where another process took the slot over: a dark tick across the lane.
      if (lane.changes) {
        ctx.fillStyle = '#222';
        const ch = lane.changes;
        for (let k = lowerBound(ch, view.x0); k < ch.length && ch[k]! <= view.x1; k++) {
          ctx.fillRect(Math.round(xOf(ch[k]!, w)) - 1, y + 1, 2, ROW - 2);
          drawn++;
        }
      }
    }
    ctx.restore();
    // Lane labels and the time axis stay put.
    ctx.fillStyle = '#fafafa';
    ctx.fillRect(0, AXIS, LABEL, h - AXIS);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let li = first; li <= last; li++) {
      const y = yOf(li);
      if (y < AXIS - 2) continue;
      ctx.fillStyle = lanes[li]!.kind === 'process' ? '#333' : '#6b2d8f';
      ctx.fillText(lanes[li]!.label, 4, y + ROW / 2, LABEL - 8);
    }
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, AXIS);
    ctx.strokeStyle = '#bbb';
    ctx.beginPath();
    ctx.moveTo(LABEL, AXIS - 0.5);
    ctx.lineTo(w, AXIS - 0.5);
    ctx.stroke();
    ctx.fillStyle = '#444';
    const step = niceStep((view.x1 - view.x0) / Math.max(1, (w - LABEL) / 110));
    for (let t = Math.ceil(view.x0 / step) * step; t <= view.x1; t += step) {
      const x = xOf(t, w);
      ctx.fillRect(x, AXIS - 6, 1, 6);
      ctx.fillText(fmtAxis(t, step), x + 2, 10);
    }
    range.textContent = ` ${fmtAxis(view.x0, step)} – ${fmtAxis(view.x1, step)} `;
    canvas.dataset.drawn = String(drawn);
    canvas.dataset.viewStart = String(view.x0);
    canvas.dataset.viewEnd = String(view.x1);
    canvas.dataset.firstLane = String(first);
    canvas.dataset.lanes = String(lanes.length);
    canvas.dataset.processLanes = String(lanes.filter((l) => l.kind === 'process').length);
    canvas.dataset.drawMs = (performance.now() - t0).toFixed(2);
  }

  function hit(ev: MouseEvent): string[] | null {
    const r = canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const y = ev.clientY - r.top;
    if (x < LABEL || y < AXIS) return null;
    const lane = lanes[Math.floor((y - AXIS + scroller.scrollTop) / ROW)];
    if (!lane) return null;
    const w = scroller.clientWidth;
    const t = tOf(x, w);
    const slack = ((view.x1 - view.x0) / (w - LABEL)) * 2;
    if (lane.segments) {
      const s = lane.segments.find((g) => g.start - slack <= t && t <= g.end + slack);
      return s ? [s.text] : null;
    }
    const list = lane.ops!;
    const upto = lowerBoundIdx(list, ops.start, t + slack);
    for (let k = upto - 1; k >= 0 && k >= upto - 64; k--) {
      const i = list[k]!;
      const e = Number.isNaN(ops.end[i]!) ? d.endMs : ops.end[i]!;
      if (e + slack >= t) return describeOp(d, ops, i);
    }
    return null;
  }

  let dragging: { x: number; x0: number } | null = null;
  canvas.addEventListener('mousedown', (ev) => {
    dragging = { x: ev.clientX, x0: view.x0 };
  });
  window.addEventListener('mouseup', () => {
    dragging = null;
  });
  window.addEventListener('mousemove', (ev) => {
    if (!dragging) return;
    const w = scroller.clientWidth;
    const dt = ((dragging.x - ev.clientX) / (w - LABEL)) * (view.x1 - view.x0);
    const span = view.x1 - view.x0;
    view.x0 = dragging.x0;
    view.x1 = view.x0 + span;
    pan(dt);
  });
  canvas.addEventListener('mousemove', (ev) => {
    if (dragging) return tooltip.hide();
    const lines = hit(ev);
    if (lines) tooltip.show(ev.clientX, ev.clientY, lines);
    else tooltip.hide();
  });
  canvas.addEventListener('mouseleave', () => tooltip.hide());
  canvas.addEventListener(
    'wheel',
    (ev) => {
      const w = scroller.clientWidth;
      if (ev.ctrlKey || ev.metaKey) {
        ev.preventDefault();
        const r = canvas.getBoundingClientRect();
        zoom(ev.deltaY > 0 ? 1.25 : 0.8, tOf(Math.max(LABEL, ev.clientX - r.left), w));
      } else if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        ev.preventDefault();
        const delta = ev.shiftKey ? ev.deltaY || ev.deltaX : ev.deltaX;
        pan((delta / (w - LABEL)) * (view.x1 - view.x0));
      }
    },
    { passive: false },
  );
  canvas.addEventListener('dblclick', (ev) => {
    const r = canvas.getBoundingClientRect();
    zoom(0.5, tOf(Math.max(LABEL, ev.clientX - r.left), scroller.clientWidth));
  });
  canvas.addEventListener('keydown', (ev) => {
    const span = view.x1 - view.x0;
    if (ev.key === '+' || ev.key === '=') zoom(0.5);
    else if (ev.key === '-') zoom(2);
    else if (ev.key === 'ArrowLeft') pan(-span / 4);
    else if (ev.key === 'ArrowRight') pan(span / 4);
    else return;
    ev.preventDefault();
  });
  scroller.addEventListener('scroll', schedule);
  window.addEventListener('resize', schedule);
  schedule();
  return root;
}

/**
 * Lanes for client operations, in start order: one per worker slot where processes are numbers and the
 * concurrency is known, else one per process. Processes sorted numerically where they are numbers.
 */
function processLanes(d: ReportData, ops: Ops): Lane[] {
  const slots = d.concurrency;
  const slotOf = d.processes.map((p) => (slots && /^\d+$/.test(p) ? Number(p) % slots : -1));
  const keys = d.processes.map((p, i) => (slotOf[i]! >= 0 ? `thread ${slotOf[i]}` : `process ${p}`));
  const byLane = new Map<string, { order: number; ops: number[]; changes: number[]; last: number }>();
  const order = (i: number) => (slotOf[i]! >= 0 ? slotOf[i]! : Number(d.processes[i]));
  for (let i = 0; i < ops.n; i++) {
    const p = ops.proc[i]!;
    const key = keys[p]!;
    let lane = byLane.get(key);
    if (!lane) {
      lane = { order: order(p), ops: [], changes: [], last: p };
      byLane.set(key, lane);
    }
    if (lane.last !== p) lane.changes.push(ops.start[i]!);
    lane.last = p;
    lane.ops.push(i);
  }
  return [...byLane.entries()]
    .sort((a, b) => a[1].order - b[1].order || a[0].localeCompare(b[0]))
    .map(([label, l]) => ({
      label,
      kind: 'process' as const,
      ops: Int32Array.from(l.ops),
      ...(l.changes.length > 0 ? { changes: Float64Array.from(l.changes) } : {}),
    }));
}

function lowerBound(xs: Float64Array, t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position in `list` (indices into `starts`, by start) whose start is >= t. */
function lowerBoundIdx(list: Int32Array, starts: Float64Array, t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[list[mid]!]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-6)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function fmtAxis(ms: number, step: number): string {
  if (step >= 1000) return `${(ms / 1000).toFixed(step >= 10_000 ? 0 : 1)} s`;
  if (step >= 1) return `${(ms / 1000).toFixed(3)} s`;
  return `${ms.toFixed(3)} ms`;
}

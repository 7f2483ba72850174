/** Latency, throughput and clock-offset charts (uPlot), with fault intervals shaded by kind. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { FaultInterval, ReportData } from '../types.js';
import { el, faultRgb, fmtMs, OUTCOME_COLORS, table } from './dom.js';
import type { Ops } from './ops.js';

const F_HUES: Record<string, number> = { read: 210, get: 210, write: 135, put: 135, cas: 280, append: 30 };

function fHue(f: string, i: number): number {
  return F_HUES[f] ?? (i * 67 + 20) % 360;
}

/** Shades each fault interval across the plot area, under the series; counts what it drew. */
function faultBands(faults: FaultInterval[], kinds: string[], host: HTMLElement): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u: uPlot) => {
        const { ctx } = u;
        const { left, top, width, height } = u.bbox;
        let drawn = 0;
        ctx.save();
        ctx.beginPath();
        ctx.rect(left, top, width, height);
        ctx.clip();
        for (const f of faults) {
          const x0 = Math.max(left, u.valToPos(f.start / 1000, 'x', true));
          const x1 = Math.min(left + width, u.valToPos(f.end / 1000, 'x', true));
          if (x1 < left || x0 > left + width) continue;
          ctx.fillStyle = `rgba(${faultRgb(f.kind, kinds)},0.16)`;
          ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
          drawn++;
        }
        ctx.restore();
        host.dataset.faultBands = String(drawn);
      },
    },
  };
}

interface ChartSpec {
  id: string;
  title: string;
  yLabel: string;
  series: uPlot.Series[];
  data: uPlot.AlignedData;
  logY?: boolean;
}

function chart(d: ReportData, spec: ChartSpec, width: number, charts: uPlot[]): HTMLElement {
  const host = el('div', { class: 'chart', id: spec.id, 'data-chart': spec.id });
  let points = 0;
  for (let s = 1; s < spec.data.length; s++) {
    for (const y of spec.data[s] as Array<number | null>) if (y !== null && y !== undefined) points++;
  }
  host.dataset.points = String(points);
  const opts: uPlot.Options = {
    title: spec.title,
    width,
    height: 260,
    cursor: { sync: { key: 'run' }, drag: { x: true, y: false } },
    scales: {
      x: { time: false, range: (_u, min, max) => [Math.min(0, min), Math.max(d.endMs / 1000, max)] },
      y: spec.logY ? { distr: 3 } : { auto: true },
    },
    axes: [{ label: 'time since start (s)' }, { label: spec.yLabel, size: 60 }],
    series: [{ label: 't (s)' }, ...spec.series],
    plugins: [faultBands(d.faults, d.faultKinds, host)],
  };
  // uPlot draws into the element it is given; it must be in the document to measure its legend.
  queueMicrotask(() => charts.push(new uPlot(opts, spec.data, host)));
  return host;
}

/** Above this many operations the latency scatter is downsampled (a long run's points would stall the page). */
const MAX_SCATTER = 20_000;
/** Time slices of a downsampled scatter: about one per pixel column of a wide chart. */
const SLICES = 1200;

function latencySpec(d: ReportData, ops: Ops): ChartSpec {
  if (ops.n > MAX_SCATTER) return latencySlicesSpec(d, ops);
  // uPlot's x must ascend; invocation order normally does, but sort if the history disagrees.
  let order: Uint32Array | null = null;
  for (let i = 1; i < ops.n; i++) {
    if (ops.start[i]! < ops.start[i - 1]!) {
      order = Uint32Array.from({ length: ops.n }, (_, k) => k).sort((a, b) => ops.start[a]! - ops.start[b]!);
      break;
    }
  }
  const at = (k: number) => (order ? order[k]! : k);
  const x = new Float64Array(ops.n);
  for (let k = 0; k < ops.n; k++) x[k] = ops.start[at(k)]! / 1000;
  const groups = new Map<string, { f: number; type: number; ys: Array<number | null> }>();
  for (let k = 0; k < ops.n; k++) {
    const i = at(k);
    const type = ops.type[i]!;
    if (type === 3) continue;
    const key = `${ops.f[i]}:${type}`;
    let g = groups.get(key);
    if (!g) {
      g = { f: ops.f[i]!, type, ys: new Array(ops.n).fill(null) };
      groups.set(key, g);
    }
    // Log scale: a zero latency (clock resolution) is drawn at 1 µs.
    g.ys[k] = Math.max(0.001, ops.end[i]! - ops.start[i]!);
  }
  const list = [...groups.values()].sort((a, b) => a.f - b.f || a.type - b.type);
  return {
    id: 'chart-latency',
    title: 'Latency by invocation time (each point an operation)',
    yLabel: 'latency (ms, log)',
    series: latencySeries(d, list),
    data: [Array.from(x), ...list.map((g) => g.ys)] as uPlot.AlignedData,
    logY: true,
  };
}

/**
 * A long run's latency: per time slice and kind of operation, its fastest and slowest operation, so the
 * outliers that matter stay visible while the page draws a few thousand points instead of millions.
 */
function latencySlicesSpec(d: ReportData, ops: Ops): ChartSpec {
  const endS = Math.max(d.endMs, 1) / 1000;
  const width = endS / SLICES;
  // Two x positions per slice: its slowest operation is drawn at the slice's middle, its fastest at the start.
  const x = Array.from({ length: 2 * SLICES }, (_, k) => (Math.floor(k / 2) + (k % 2) * 0.5) * width);
  const groups = new Map<string, { f: number; type: number; ys: Array<number | null> }>();
  for (let i = 0; i < ops.n; i++) {
    const type = ops.type[i]!;
    if (type === 3) continue;
    const key = `${ops.f[i]}:${type}`;
    let g = groups.get(key);
    if (!g) {
      g = { f: ops.f[i]!, type, ys: new Array(2 * SLICES).fill(null) };
      groups.set(key, g);
    }
    const slice = Math.min(SLICES - 1, Math.max(0, Math.floor(ops.start[i]! / 1000 / width)));
    const lat = Math.max(0.001, ops.end[i]! - ops.start[i]!);
    const lo = g.ys[2 * slice];
    const hi = g.ys[2 * slice + 1];
    if (lo === null || lo === undefined || lat < lo) g.ys[2 * slice] = lat;
    if (hi === null || hi === undefined || lat > hi) g.ys[2 * slice + 1] = lat;
  }
  const list = [...groups.values()].sort((a, b) => a.f - b.f || a.type - b.type);
  return {
    id: 'chart-latency',
    title: `Latency by invocation time (${ops.n.toLocaleString('en-US')} operations: fastest and slowest of each kind per ${fmtMs(width * 1000)})`,
    yLabel: 'latency (ms, log)',
    series: latencySeries(d, list),
    data: [x, ...list.map((g) => g.ys)] as uPlot.AlignedData,
    logY: true,
  };
}

function latencySeries(d: ReportData, list: Array<{ f: number; type: number }>): uPlot.Series[] {
  return list.map((g) => {
    const f = d.fs[g.f]!;
    const h = fHue(f, g.f);
    // Hue by kind for successes; failures in reds and timeouts in oranges, so outcomes stand out.
    const color =
      g.type === 0
        ? `hsl(${h},65%,42%)`
        : g.type === 1
          ? `hsl(${(350 + g.f * 14) % 360},80%,50%)`
          : `hsl(${30 + g.f * 8},95%,47%)`;
    return {
      label: `${f} ${['ok', 'fail', 'info'][g.type]}`,
      stroke: color,
      fill: color,
      paths: () => null,
      points: { show: true, size: 3, width: 0, fill: color, stroke: color },
      value: (_u, v) => (v === null ? '–' : fmtMs(v)),
    };
  });
}

function throughputSpec(d: ReportData): ChartSpec {
  const tp = d.throughput;
  const stepped = uPlot.paths.stepped?.({ align: 1 });
  const s = (label: string, color: string): uPlot.Series => ({
    label,
    stroke: color,
    width: 1.5,
    paths: stepped,
    value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)}/s`),
  });
  return {
    id: 'chart-throughput',
    title: `Throughput (completions per second, ${fmtMs(tp.bucketMs)} buckets)`,
    yLabel: 'ops/s',
    series: [s('ok', OUTCOME_COLORS.ok), s('fail', OUTCOME_COLORS.fail), s('info', OUTCOME_COLORS.info)],
    data: [tp.t.map((t) => t / 1000), tp.ok, tp.fail, tp.info],
  };
}

function clockSpec(d: ReportData): ChartSpec | null {
  const c = d.clock;
  if (!c) return null;
  const stepped = uPlot.paths.stepped?.({ align: 1 });
  return {
    id: 'chart-clock',
    title: 'Clock offsets in force',
    yLabel: 'offset (ms)',
    series: c.nodes.map((n, i) => ({
      label: n,
      stroke: `hsl(${(i * 83 + 200) % 360},60%,45%)`,
      width: 2,
      paths: stepped,
      value: (_u, v) => (v === null ? '–' : `${v} ms`),
    })),
    data: [c.t.map((t) => t / 1000), ...c.offsetsMs],
  };
}

export function faultLegend(d: ReportData): HTMLElement {
  if (d.faultKinds.length === 0) return el('p', { class: 'muted' }, 'No faults were injected.');
  return el(
    'div',
    { class: 'legend' },
    'Faults: ',
    ...d.faultKinds.map((k) => {
      const n = d.faults.filter((f) => f.kind === k).length;
      const sw = el('span', { class: 'swatch' });
      sw.style.background = `rgba(${faultRgb(k, d.faultKinds)},0.35)`;
      return el('span', { class: 'legend-item', 'data-fault': k }, sw, `${k} (${n})`);
    }),
  );
}

export function quantileTable(d: ReportData): HTMLElement {
  if (d.quantiles.length === 0) return el('p', { class: 'muted' }, 'No completed operations.');
  return table(
    ['operation', 'outcome', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'],
    d.quantiles.map((q) => [
      q.f,
      q.outcome,
      q.count,
      fmtMs(q.p50),
      fmtMs(q.p90),
      fmtMs(q.p99),
      fmtMs(q.p999),
      fmtMs(q.max),
    ]),
    'quantiles',
  );
}

/** The charts' elements; the uPlot instances are created once they are in the document. */
export function charts(d: ReportData, ops: Ops, width: number): { nodes: HTMLElement[]; instances: uPlot[] } {
  const instances: uPlot[] = [];
  const specs = [latencySpec(d, ops), throughputSpec(d), clockSpec(d)].filter((s): s is ChartSpec => !!s);
  return { nodes: specs.map((s) => chart(d, s, width, instances)), instances };
}

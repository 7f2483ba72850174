/** The report page: reads the embedded run data and builds every section with DOM APIs. */
import type { ReportData } from '../types.js';
import { charts, faultLegend, quantileTable } from './charts.js';
import { commitSection } from './commit.js';
import { counterexample } from './cx.js';
import { el, embedded, fileHref, fmtMs, section, Tooltip, table, verdictClass, verdictText } from './dom.js';
import { replicaEvents } from './events.js';
import { decodeOps } from './ops.js';
import { timeline } from './timeline.js';
import './style.css';

function header(d: ReportData): HTMLElement {
  const v = d.verdict;
  return el(
    'header',
    null,
    el(
      'div',
      { class: `verdict ${verdictClass(v)}`, id: 'verdict', 'data-verdict': String(v) },
      verdictText(v),
    ),
    el(
      'div',
      null,
      el('h1', null, d.run?.name ?? d.title),
      el(
        'p',
        { class: 'summary' },
        `started ${d.run?.start ?? '?'} · duration ${fmtMs(d.run?.durationMs ?? d.endMs)} · ${d.history.ops} operations · `,
        `${d.faults.length} fault intervals · ${d.history.events} history events`,
        d.history.malformed > 0 ? ` · ${d.history.malformed} malformed lines skipped` : '',
      ),
      d.run?.interrupted ? el('p', { class: 'warn' }, `Interrupted: ${d.run.interrupted}`) : null,
      d.missing.length > 0
        ? el('p', { class: 'warn', id: 'missing' }, `Missing from this run: ${d.missing.join(', ')}`)
        : null,
    ),
  );
}

/** Facts on one line, count tables side by side, and the first finding in words. */
function checkerDetails(c: ReportData['checkers'][number]): HTMLElement {
  return el(
    'div',
    { class: 'checker-details' },
    c.facts.length > 0 ? el('div', null, c.facts.map(([k, v]) => `${k}: ${v}`).join(' · ')) : null,
    ...(c.tables ?? []).map((t) =>
      el(
        'table',
        { class: 'counts' },
        // Rows straight in the table (no tbody): the checkers table's own rows stay the only body rows.
        el('caption', null, t.caption),
        el('tr', null, ...t.head.map((h) => el('th', null, h))),
        ...t.rows.map((r) => el('tr', null, ...r.map((x) => el('td', null, x)))),
      ),
    ),
    c.first ? el('p', { class: 'first-finding' }, el('strong', null, 'First: '), c.first) : null,
  );
}

function checkersSection(d: ReportData): HTMLElement {
  if (d.checkers.length === 0) {
    return section(
      'checkers',
      'Checkers',
      el('p', { class: 'warn' }, 'This run was not checked (no results.json).'),
    );
  }
  return section(
    'checkers',
    'Checkers',
    table(
      ['checker', 'verdict', 'reason', 'details'],
      d.checkers.map((c) => [
        c.name,
        el('span', { class: `badge ${verdictClass(c.valid)}` }, verdictText(c.valid)),
        c.reason ?? '',
        checkerDetails(c),
      ]),
      'checkers',
    ),
  );
}

function filesSection(d: ReportData): HTMLElement {
  return section(
    'files',
    'Raw files',
    el(
      'ul',
      { class: 'files' },
      ...d.files.map((f) =>
        el('li', null, el('a', { href: fileHref(f.path) }, f.path), ` (${(f.bytes / 1024).toFixed(1)} KiB)`),
      ),
    ),
    d.missing.length > 0 ? el('p', { class: 'muted' }, `Missing: ${d.missing.join(', ')}`) : null,
  );
}

/** The operation columns of a long run, packed by reports/pack.ts. */
async function unpackOps(d: ReportData): Promise<void> {
  if (!d.opsPacked) return;
  const bin = atob(d.opsPacked);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const text = await new Response(
    new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')),
  ).text();
  const ops = JSON.parse(text) as ReportData['ops'];
  for (let i = 1; i < ops.index.length; i++) ops.index[i]! += ops.index[i - 1]!;
  d.ops = ops;
  d.opsPacked = undefined;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  performance.mark('report:start');
  const d = embedded<ReportData>('report-data');
  await unpackOps(d);
  // Marks for the benchmark: where the page's time goes.
  performance.mark('report:parsed');
  document.title = `${verdictText(d.verdict)} · ${d.title} · jitter`;
  const ops = decodeOps(d);
  const tooltip = new Tooltip();
  const width = Math.max(600, Math.min(1400, document.documentElement.clientWidth - 48));
  performance.mark('report:decoded');
  const chartSet = charts(d, ops, width);
  performance.mark('report:chart-data');
  const nav = el(
    'nav',
    null,
    ...[
      ['checkers', 'Checkers'],
      ['config', 'Config'],
      ['charts', 'Charts'],
      ['timeline-section', 'Timeline'],
      d.counterexample ? ['linearizability', 'Counterexample'] : null,
      d.commit && d.commit.valid !== true ? ['commit', 'Commit consistency'] : null,
      ['replicas', 'Replicas'],
      ['files', 'Files'],
    ]
      .filter((x): x is string[] => !!x)
      .map(([id, label]) => el('a', { href: `#${id}` }, label!)),
  );
  const main = el(
    'main',
    null,
    header(d),
    nav,
    checkersSection(d),
    section(
      'config',
      'Config',
      d.config.length > 0
        ? table(['setting', 'value'], d.config, 'config')
        : el('p', { class: 'warn' }, 'No test.json.'),
    ),
    section(
      'charts',
      'Latency and throughput',
      faultLegend(d),
      ...chartSet.nodes,
      el('h3', null, 'Latency quantiles'),
      quantileTable(d),
    ),
    section(
      'timeline-section',
      'Timeline',
      ops.n + d.faults.length > 0 ? timeline(d, ops, tooltip) : el('p', { class: 'muted' }, 'Empty history.'),
    ),
    d.counterexample
      ? section('linearizability', 'Linearizability counterexample', counterexample(d.counterexample))
      : null,
    d.commit && d.commit.valid !== true
      ? section('commit', 'Commit consistency', commitSection(d.commit))
      : null,
    section('replicas', 'Replica events', replicaEvents(d)),
    filesSection(d),
    el('footer', { class: 'muted' }, `Report generated ${d.generatedAt} by jitter.`),
  );
  document.body.replaceChildren(main, tooltip.node);
  performance.mark('report:dom');
  queueMicrotask(() => performance.mark('report:charts'));
  // Charts are created in a microtask and the timeline in the next frame; ready means all of them drew.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
      document.body.dataset.ready = '1';
    }),
  );
}

void main();

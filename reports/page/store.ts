/** The store browser: its sweeps, and every run, sortable by any column, filterable by text and verdict. */
import type { StoreData, StoreRow, SweepRow } from '../types.js';
import { el, embedded, fileHref, fmtMs, section, table, verdictClass, verdictText } from './dom.js';
import './style.css';

type Col = {
  key: string;
  label: string;
  value: (r: StoreRow) => string | number;
  cell: (r: StoreRow) => HTMLElement;
};

// Store paths come from folder names: fileHref encodes each segment so none becomes markup or a scheme.
const link = (rel: string, text: string): HTMLElement => el('a', { href: fileHref(rel) }, text);

const td = (...c: Array<Node | string>) => el('td', null, ...c);

const COLS: Col[] = [
  { key: 'name', label: 'test', value: (r) => r.name, cell: (r) => td(r.name) },
  { key: 'start', label: 'started', value: (r) => r.startMs, cell: (r) => td(r.start) },
  {
    key: 'verdict',
    label: 'verdict',
    value: (r) => verdictText(r.verdict),
    cell: (r) => el('td', { class: `verdict-cell ${verdictClass(r.verdict)}` }, verdictText(r.verdict)),
  },
  {
    key: 'ops',
    label: 'operations',
    value: (r) => r.ops ?? -1,
    cell: (r) => td(r.ops === null ? '–' : String(r.ops)),
  },
  {
    key: 'faults',
    label: 'faults',
    value: (r) => r.faults,
    cell: (r) => td(r.faults === 0 ? 'none' : `${r.faults} (${r.faultKinds.join(', ')})`),
  },
  {
    key: 'duration',
    label: 'duration',
    value: (r) => r.durationMs ?? -1,
    cell: (r) => td(fmtMs(r.durationMs)),
  },
  { key: 'mode', label: 'mode', value: (r) => r.mode, cell: (r) => td(r.mode) },
  { key: 'workload', label: 'workload', value: (r) => r.workload, cell: (r) => td(r.workload) },
  { key: 'nemesis', label: 'nemesis', value: (r) => r.nemesis, cell: (r) => td(r.nemesis) },
  {
    key: 'report',
    label: 'report',
    value: (r) => (r.report ? 1 : 0),
    cell: (r) =>
      td(
        r.report ? link(r.report, 'report') : el('span', { class: 'muted' }, 'none'),
        ' · ',
        link(`${r.dir}/`, 'files'),
      ),
  },
];

/** Failing seeds a sweep row lists before it says how many more there are. */
const SHOWN_FAILURES = 20;

function sweepFailures(w: SweepRow): HTMLElement {
  if (w.failures.length === 0) return el('span', { class: 'muted' }, 'none');
  const shown = w.failures.slice(0, SHOWN_FAILURES).map((f) => {
    const label = `${f.seed} (${f.failed.join(', ') || verdictText(f.valid)})`;
    const a = f.report ? link(f.report, label) : f.run ? link(`${f.run}/`, label) : el('span', null, label);
    a.classList.add(verdictClass(f.valid));
    return a;
  });
  const more = w.failures.length - shown.length;
  return el(
    'span',
    { class: 'sweep-failures' },
    ...shown.flatMap((a, i) => (i === 0 ? [a] : [', ', a])),
    more > 0 ? ` and ${more} more` : null,
  );
}

function sweepsSection(sweeps: SweepRow[]): HTMLElement | null {
  if (sweeps.length === 0) return null;
  const state = (w: SweepRow) =>
    w.state === 'stopped' ? `stopped${w.stopped ? ` (${w.stopped})` : ''}; jitter sim --resume` : w.state;
  return section(
    'sweeps',
    'Sweeps',
    table(
      [
        'started',
        'seeds',
        'judged',
        'failed',
        'state',
        'wall time',
        'each seed ran',
        'failing seeds',
        'record',
      ],
      sweeps.map((w) => [
        w.started,
        w.seeds,
        `${w.judged} of ${w.total}`,
        el(
          'span',
          { class: w.invalid + w.unknown > 0 ? 'v-invalid' : 'v-valid' },
          String(w.invalid + w.unknown),
        ),
        state(w),
        fmtMs(w.wallMs),
        w.options,
        sweepFailures(w),
        link(`${w.dir}/`, 'files'),
      ]),
      'sweeps',
    ),
  );
}

function main(): void {
  const data = embedded<StoreData>('store-data');
  const sort = { key: 'start', dir: -1 };
  const text = el('input', {
    type: 'search',
    placeholder: 'filter: name, mode, workload, nemesis…',
    'aria-label': 'filter',
  });
  const verdict = el(
    'select',
    { 'aria-label': 'verdict' },
    ...['', 'valid', 'INVALID', 'unknown', 'not checked'].map((v) =>
      el('option', { value: v }, v || 'any verdict'),
    ),
  );
  const count = el('span', { class: 'muted', id: 'count' });
  const heads = COLS.map((c) => el('th', { 'data-key': c.key, scope: 'col' }, c.label));
  const body = el('tbody');
  const render = () => {
    const q = text.value.trim().toLowerCase();
    const col = COLS.find((c) => c.key === sort.key)!;
    const rows = data.runs
      .filter((r) => !verdict.value || verdictText(r.verdict) === verdict.value)
      .filter(
        (r) =>
          !q ||
          [r.name, r.start, r.mode, r.workload, r.nemesis, ...r.faultKinds]
            .join(' ')
            .toLowerCase()
            .includes(q),
      )
      .sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        return (
          (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) *
          sort.dir
        );
      });
    body.replaceChildren(...rows.map((r) => el('tr', { 'data-run': r.dir }, ...COLS.map((c) => c.cell(r)))));
    heads.forEach((h) => {
      if (h.dataset.key === sort.key) h.setAttribute('aria-sort', sort.dir > 0 ? 'ascending' : 'descending');
      else h.removeAttribute('aria-sort');
    });
    count.textContent = `${rows.length} of ${data.runs.length} runs`;
  };
  for (const h of heads) {
    h.addEventListener('click', () => {
      sort.dir = sort.key === h.dataset.key ? -sort.dir : 1;
      sort.key = h.dataset.key!;
      render();
    });
  }
  text.addEventListener('input', render);
  verdict.addEventListener('change', render);
  const invalid = data.runs.filter((r) => r.verdict === false).length;
  const sweeps = data.sweeps ?? [];
  document.body.replaceChildren(
    el(
      'main',
      null,
      el('h1', null, 'jitter store'),
      el(
        'p',
        { class: 'summary' },
        `${data.runs.length} runs, ${invalid} invalid` +
          (sweeps.length > 0 ? ` · ${sweeps.length} sweeps` : '') +
          ` · index written ${data.generatedAt}`,
      ),
      sweepsSection(sweeps),
      sweeps.length > 0 ? el('h2', null, 'Runs') : null,
      el('div', { class: 'filters' }, text, verdict, count),
      el('table', { class: 'runs', id: 'runs' }, el('thead', null, el('tr', null, ...heads)), body),
    ),
  );
  render();
  document.body.dataset.ready = '1';
}

main();

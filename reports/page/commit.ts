/** Commit-consistency violations: the commit and the replicas' log entries side by side. */
import type { CommitView, EntryView, ViolationView } from '../types.js';
import { el, table, verdictClass, verdictText } from './dom.js';

function entryText(e: EntryView | null): string {
  return e ? `${e.client}#${e.req} @${e.ts} ${e.op}` : '—';
}

function kv(obj: Record<string, unknown> | null, title: string): HTMLElement | null {
  if (!obj) return null;
  return el(
    'div',
    { class: 'kv' },
    el('h4', null, title),
    table(
      ['field', 'value'],
      Object.entries(obj).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
    ),
  );
}

function sameRequest(e: EntryView | null, commit: Record<string, unknown> | null): boolean | null {
  if (!e || !commit || commit.client === undefined) return null;
  return e.client === commit.client && e.req === commit.req;
}

function violation(v: ViolationView, n: number): HTMLElement {
  const sbs = v.sideBySide;
  let grid: HTMLElement | null = null;
  if (sbs) {
    grid = el(
      'table',
      { class: 'side-by-side' },
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          el('th', null, 'index'),
          ...sbs.columns.map((c) =>
            el(
              'th',
              null,
              c.replica,
              el('br'),
              el('small', null, `${c.label}, ${c.status}, view ${c.view}, ${c.length} entries`),
            ),
          ),
        ),
      ),
      el(
        'tbody',
        null,
        ...sbs.rows.map((r) =>
          el(
            'tr',
            { class: r.index === v.index ? 'at-index' : undefined },
            el('td', null, r.index),
            ...r.cells.map((c) => {
              const match = r.index === v.index ? sameRequest(c, v.commit) : null;
              return el(
                'td',
                { class: match === false ? 'differs' : match ? 'matches' : undefined },
                entryText(c),
              );
            }),
          ),
        ),
      ),
    );
  }
  return el(
    'div',
    { class: 'violation', 'data-kind': v.kind },
    el('h3', null, `${n}. `, el('span', { class: 'badge v-invalid' }, v.kind), ` at index ${v.index ?? '–'}`),
    el('p', null, v.message),
    el('div', { class: 'kv-row' }, kv(v.commit, 'commit'), kv(v.other, 'other commit')),
    v.entries.length > 0
      ? el('p', null, el('b', null, 'entries cited: '), v.entries.map(entryText).join(' | '))
      : null,
    grid,
  );
}

export function commitSection(c: CommitView): HTMLElement {
  const counts = Object.entries(c.counts).filter(([, n]) => n > 0);
  return el(
    'div',
    { id: 'commit-view' },
    el(
      'p',
      null,
      el('span', { class: `badge ${verdictClass(c.valid)}` }, verdictText(c.valid)),
      ` ${c.commits} commits checked against ${c.dumps} log dumps. `,
      c.reason ?? '',
    ),
    counts.length > 0 ? el('p', null, 'Violations: ', counts.map(([k, n]) => `${n} ${k}`).join(', ')) : null,
    ...c.violations.map((v, i) => violation(v, i + 1)),
  );
}

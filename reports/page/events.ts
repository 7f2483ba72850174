/** Replica events (view and status changes, restarts) as a filterable table. */
import type { ReportData } from '../types.js';
import { el, fmtMs } from './dom.js';

const MAX_ROWS = 2000;

export function replicaEvents(d: ReportData): HTMLElement {
  const re = d.replicaEvents;
  if (re.replicas.length === 0) return el('p', { class: 'muted' }, 'No replica logs in this run.');
  const select = el('select', { 'aria-label': 'replica' }, el('option', { value: '' }, 'all replicas'));
  for (const r of re.replicas) select.appendChild(el('option', { value: r }, r));
  const kinds = el('select', { 'aria-label': 'event' }, el('option', { value: '' }, 'all events'));
  for (const k of [...new Set(re.events.map((e) => e.event))].sort())
    kinds.appendChild(el('option', { value: k }, k));
  const body = el('tbody');
  const note = el('p', { class: 'muted' });
  const render = () => {
    const rows = re.events.filter(
      (e) => (!select.value || e.replica === select.value) && (!kinds.value || e.event === kinds.value),
    );
    body.replaceChildren(
      ...rows
        .slice(0, MAX_ROWS)
        .map((e) =>
          el(
            'tr',
            { class: `ev-${e.event}` },
            el('td', null, fmtMs(e.t)),
            el('td', null, e.replica),
            el('td', null, e.event),
            el('td', null, e.view ?? ''),
            el('td', null, e.status ?? ''),
            el('td', null, e.detail),
          ),
        ),
    );
    note.textContent =
      rows.length > MAX_ROWS ? `showing ${MAX_ROWS} of ${rows.length} events` : `${rows.length} events`;
  };
  select.addEventListener('change', render);
  kinds.addEventListener('change', render);
  render();
  const other = Object.entries(re.other);
  return el(
    'div',
    { id: 'replica-events' },
    el(
      'p',
      null,
      ...re.replicas.map((r) =>
        el(
          'span',
          { class: 'chip' },
          `${r}: ${re.restarts[r] ?? 0} restart${re.restarts[r] === 1 ? '' : 's'}`,
        ),
      ),
    ),
    el('div', { class: 'filters' }, select, kinds, note),
    el(
      'table',
      { class: 'events' },
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          ...['time', 'replica', 'event', 'view', 'status', 'detail'].map((h) => el('th', null, h)),
        ),
      ),
      body,
    ),
    other.length > 0 || re.nonJson > 0
      ? el(
          'p',
          { class: 'muted' },
          `Not listed: ${other.map(([k, n]) => `${n} ${k || '(no event)'}`).join(', ')}${re.nonJson ? `; ${re.nonJson} non-JSON lines` : ''}.`,
        )
      : null,
  );
}

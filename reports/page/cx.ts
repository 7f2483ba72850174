/**
 * The linearizability counterexample, Porcupine-style: the partition's operations as bars on a time axis, one
 * lane per process; the longest linearizable prefix numbered in linearization order, the operation that
 * cannot be linearized in red, pending operations hatched. Hovering a step shows the model state before and
 * after it; the same steps are listed in a table below.
 */
import type { CounterexampleView, CxOp } from '../types.js';
import { el, fmtMs, table } from './dom.js';

type Role = 'step' | 'failing' | 'pending' | 'context';

export function counterexample(cx: CounterexampleView): HTMLElement {
  const state = el('div', { class: 'cx-state', id: 'cx-state', 'aria-live': 'polite' });
  const showState = (lines: Array<[string, string]>) =>
    state.replaceChildren(...lines.map(([k, v]) => el('div', null, el('b', null, `${k}: `), v)));
  const idle = () =>
    showState([
      ['hover', 'an operation to see the model state before and after it'],
      ['longest linearizable prefix', `${cx.steps.length + cx.omitted} operations`],
    ]);
  idle();

  const items: Array<{ op: CxOp; role: Role; n?: number; before?: string; after?: string }> = [
    ...cx.context.map((op) => ({ op, role: 'context' as Role })),
    ...cx.steps.map((s) => ({ op: s.op, role: 'step' as Role, n: s.n, before: s.before, after: s.after })),
    ...cx.pending.map((op) => ({ op, role: 'pending' as Role })),
    ...(cx.failing ? [{ op: cx.failing, role: 'failing' as Role, before: cx.failingBefore }] : []),
  ];
  const t0 = Math.min(...items.map((i) => i.op.call));
  // The window ends a little after the failing operation: what came later cannot explain it, and a long
  // operation would otherwise squeeze the steps into a corner. Bars that go on are cut at the edge.
  const focus = cx.failing
    ? (cx.failing.ret ?? cx.failing.call)
    : Math.max(...items.map((i) => i.op.ret ?? i.op.call));
  const t1 = Math.max(focus + (focus - t0) * 0.15, t0 + 0.001);
  const shown = items.filter((i) => i.op.call <= t1);
  items.length = 0;
  items.push(...shown);
  const procs = [...new Set(items.map((i) => i.op.process))].sort((a, b) => Number(a) - Number(b));
  const lane = new Map(procs.map((p, i) => [p, i]));
  const LANE = 30;
  const plot = el('div', { class: 'cx-plot' });
  plot.style.height = `${procs.length * LANE + 8}px`;
  for (const p of procs) {
    const label = el('div', { class: 'cx-lane-label' }, `process ${p}`);
    label.style.top = `${lane.get(p)! * LANE + 6}px`;
    plot.appendChild(label);
  }
  const pct = (t: number) => ((t - t0) / (t1 - t0)) * 100;
  const highlight = (n: number | undefined, on: boolean) => {
    if (n === undefined) return;
    for (const e of document.querySelectorAll(`[data-step="${n}"]`)) e.classList.toggle('hl', on);
  };
  for (const it of items) {
    const end = Math.min(it.op.ret ?? t1, t1);
    const bar = el(
      'div',
      { class: `cx-op ${it.role}`, 'data-op': it.op.id, 'data-step': it.n },
      it.n !== undefined ? `${it.n}. ${it.op.text}` : it.op.text,
    );
    bar.style.left = `calc(70px + (100% - 74px) * ${pct(it.op.call) / 100})`;
    bar.style.width = `max(4px, calc((100% - 74px) * ${(pct(end) - pct(it.op.call)) / 100}))`;
    bar.style.top = `${lane.get(it.op.process)! * LANE + 4}px`;
    const lines: Array<[string, string]> = [
      ['operation', `${it.op.text} (process ${it.op.process})`],
      [
        'invoked',
        `${fmtMs(it.op.call)}; ${it.op.ret === null ? 'never completed' : `returned ${fmtMs(it.op.ret)}`}`,
      ],
    ];
    if (it.role === 'step') {
      lines.unshift(['step', `${it.n} of the linearizable prefix`]);
      lines.push(['state before', it.before!], ['state after', it.after!]);
    } else if (it.role === 'failing') {
      lines.unshift(['cannot be linearized', 'no order of the pending operations lets it take effect']);
      lines.push(['state before', it.before!], ['state after', '(none: the model rejects it)']);
    } else if (it.role === 'pending') {
      lines.unshift(['pending', 'invoked, not linearized; none extends the prefix']);
    } else {
      lines.unshift(['context', 'another operation on this partition']);
    }
    bar.addEventListener('mouseenter', () => {
      showState(lines);
      highlight(it.n, true);
    });
    bar.addEventListener('mouseleave', () => {
      idle();
      highlight(it.n, false);
    });
    plot.appendChild(bar);
  }

  const rows = cx.steps.map((s) => [s.n, s.op.process, s.op.text, s.before, s.after]);
  const stepsTable = table(['#', 'process', 'operation', 'state before', 'state after'], rows, 'cx-steps');
  stepsTable.querySelectorAll('tbody tr').forEach((tr, i) => {
    tr.setAttribute('data-step', String(cx.steps[i]!.n));
  });
  if (cx.failing) {
    const tr = el(
      'tr',
      { class: 'failing-row' },
      el('td', null, '✗'),
      el('td', null, cx.failing.process),
      el('td', null, cx.failing.text),
      el('td', null, cx.failingBefore),
      el('td', null, 'cannot be linearized'),
    );
    stepsTable.tBodies[0]!.appendChild(tr);
  }
  return el(
    'div',
    { class: 'cx', id: 'counterexample-view' },
    el(
      'p',
      null,
      el('b', null, 'Partition: '),
      cx.partition === null ? '(whole history)' : cx.partition === '' ? '(no key)' : cx.partition,
      el('b', null, ' · model: '),
      cx.model,
      el('b', null, ' · initial state: '),
      cx.initialState,
    ),
    el('p', { class: 'reason' }, cx.reason),
    cx.failing
      ? el(
          'p',
          { class: 'cx-failing' },
          el('b', null, 'Cannot be linearized: '),
          cx.failing.text,
          ` (process ${cx.failing.process})`,
        )
      : el('p', null, 'The search ran out of budget before naming an operation.'),
    cx.omitted > 0
      ? el('p', { class: 'muted' }, `The first ${cx.omitted} steps of the prefix are not drawn.`)
      : null,
    el(
      'div',
      { class: 'legend' },
      el('span', { class: 'cx-key step' }, 'linearized step'),
      el('span', { class: 'cx-key failing' }, 'cannot be linearized'),
      el('span', { class: 'cx-key pending' }, 'pending'),
      el('span', { class: 'cx-key context' }, 'other operation'),
    ),
    plot,
    state,
    el('h3', null, 'Linearization'),
    stepsTable,
    cx.failedPartitions.length > 1
      ? el(
          'div',
          null,
          el('h3', null, `All failing partitions (${cx.failedPartitions.length})`),
          table(
            ['partition', 'reason'],
            cx.failedPartitions.map((p) => [p.partition ?? '(whole)', p.reason]),
          ),
        )
      : null,
  );
}

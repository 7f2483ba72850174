/**
 * DOM helpers. Everything from a run reaches the page as text nodes or attribute values set through the DOM,
 * never as markup: a history value like `<img onerror=...>` stays text.
 */
export type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | undefined> | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, String(v));
  }
  for (const c of children) append(e, c);
  return e;
}

export function append(parent: Node, c: Child): void {
  if (c === null || c === undefined || c === false) return;
  parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
}

/** A relative link to a file of the run: each segment percent-encoded, so no name can become a scheme. */
export function fileHref(rel: string): string {
  return `./${rel.split('/').map(encodeURIComponent).join('/')}`;
}

export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return el('section', { id }, el('h2', null, title), ...children);
}

export function table(head: string[], rows: Child[][], cls?: string): HTMLTableElement {
  return el(
    'table',
    { class: cls },
    el('thead', null, el('tr', null, ...head.map((h) => el('th', null, h)))),
    el('tbody', null, ...rows.map((r) => el('tr', null, ...r.map((c) => el('td', null, c))))),
  );
}

export function verdictText(v: boolean | 'unknown' | null): string {
  return v === true ? 'valid' : v === false ? 'INVALID' : v === 'unknown' ? 'unknown' : 'not checked';
}

export function verdictClass(v: boolean | 'unknown' | null): string {
  return v === true ? 'v-valid' : v === false ? 'v-invalid' : v === 'unknown' ? 'v-unknown' : 'v-none';
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

/** Reads the JSON embedded by the server side (reports/html.ts). */
export function embedded<T>(id: string): T {
  const node = document.getElementById(id);
  if (!node?.textContent) throw new Error(`no embedded data #${id}`);
  return JSON.parse(node.textContent) as T;
}

/** A floating tooltip shared by the views; its content is text only. */
export class Tooltip {
  readonly node = el('div', { class: 'tooltip', role: 'tooltip' });

  constructor() {
    document.body.appendChild(this.node);
    this.hide();
  }

  show(x: number, y: number, lines: string[]): void {
    this.node.replaceChildren(...lines.map((l) => el('div', null, l)));
    this.node.style.display = 'block';
    const w = this.node.offsetWidth;
    const left = x + 14 + w > window.innerWidth ? x - w - 10 : x + 14;
    this.node.style.left = `${Math.max(0, left + window.scrollX)}px`;
    this.node.style.top = `${y + 14 + window.scrollY}px`;
  }

  hide(): void {
    this.node.style.display = 'none';
  }
}

const FAULT_COLORS: Record<string, string> = {
  partition: '220,50,47',
  latency: '230,140,0',
  delay: '230,140,0',
  clock: '128,70,200',
  kill: '60,60,60',
  crash: '60,60,60',
  pause: '30,110,210',
  loss: '200,60,150',
};
const SPARE = ['0,150,150', '150,110,40', '90,140,20', '180,40,100', '40,80,160'];

/** One colour per fault kind, stable across the page: "r,g,b" to combine with an alpha. */
export function faultRgb(kind: string, kinds: string[]): string {
  return FAULT_COLORS[kind] ?? SPARE[Math.max(0, kinds.indexOf(kind)) % SPARE.length]!;
}

export const OUTCOME_COLORS = {
  ok: '#2e9e4f',
  fail: '#d64545',
  info: '#e39a00',
  pending: '#9a9a9a',
} as const;

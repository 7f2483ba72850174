/**
 * The nightly trend page, store/nightly/index.html: each matrix entry's outcome across nights (one column per
 * night's summary.json), with new failures (failed tonight, passed the night before) and flaky entries
 * (both outcomes among the nights shown) marked. Plain HTML, every name escaped, no script.
 */
import fs from 'node:fs';
import path from 'node:path';
import { relativePath, writeFileAtomic } from '../core/store.js';
import { escapeHtml } from '../reports/html.js';
import type { NightlySummary, NightlyTestResult } from './nightly.js';

/** Nights shown, newest last. */
const NIGHTS = 30;

export interface Night {
  id: string;
  summary: NightlySummary;
}

export interface TrendRow {
  name: string;
  cells: Array<NightlyTestResult | null>;
  newFailure: boolean;
  flaky: boolean;
}

/** Every summary.json under store/nightly, oldest first. */
export function readNights(nightlyDir: string): Night[] {
  if (!fs.existsSync(nightlyDir)) return [];
  const nights: Night[] = [];
  for (const d of fs.readdirSync(nightlyDir, { withFileTypes: true })) {
    const file = path.join(nightlyDir, d.name, 'summary.json');
    if (!d.isDirectory() || !fs.existsSync(file)) continue;
    try {
      nights.push({ id: d.name, summary: JSON.parse(fs.readFileSync(file, 'utf8')) as NightlySummary });
    } catch {
      // a summary being written, or damaged: left out of the page
    }
  }
  return nights.sort(
    (a, b) => a.summary.started.localeCompare(b.summary.started) || a.id.localeCompare(b.id),
  );
}

const ran = (r: NightlyTestResult | null | undefined): r is NightlyTestResult => !!r && r.valid !== 'skipped';

export function trendRows(nights: Night[]): TrendRow[] {
  const names = [...new Set(nights.flatMap((n) => n.summary.tests.map((t) => t.name)))].sort();
  return names.map((name) => {
    const cells = nights.map((n) => n.summary.tests.find((t) => t.name === name) ?? null);
    const outcomes = cells.filter(ran);
    const last = outcomes[outcomes.length - 1];
    const before = outcomes[outcomes.length - 2];
    return {
      name,
      cells,
      newFailure: !!last && !last.passed && (!before || before.passed),
      flaky: outcomes.some((o) => o.passed) && outcomes.some((o) => !o.passed),
    };
  });
}

function cell(r: NightlyTestResult | null, nightDir: string): string {
  if (!r) return '<td class="none">–</td>';
  const text = r.valid === 'skipped' ? 'skip' : r.passed ? 'pass' : 'FAIL';
  const cls = r.valid === 'skipped' ? 'skip' : r.passed ? 'pass' : 'fail';
  const title = escapeHtml(`expected ${r.expect}, got ${String(r.valid)}${r.reason ? `: ${r.reason}` : ''}`);
  // Runs are linked relative to the store: store/nightly/index.html -> store/<test>/<start>/report.html.
  const href = r.dir ? escapeHtml(`../${relativePath(path.dirname(nightDir), r.dir)}`) : '';
  const body = href ? `<a href="${href}/report.html">${text}</a>` : text;
  return `<td class="${cls}" title="${title}">${body}</td>`;
}

export function trendHtml(nightlyDir: string, nights: Night[]): string {
  const shown = nights.slice(-NIGHTS);
  const rows = trendRows(shown);
  const head = shown
    .map((n) => `<th title="${escapeHtml(n.summary.started)}">${escapeHtml(n.id)}</th>`)
    .join('');
  const body = rows
    .map((r) => {
      const marks = [
        r.newFailure ? '<span class="mark new">new failure</span>' : '',
        r.flaky ? '<span class="mark flaky">flaky</span>' : '',
      ]
        .filter(Boolean)
        .join(' ');
      return `<tr><th class="name">${escapeHtml(r.name)} ${marks}</th>${r.cells.map((c) => cell(c, nightlyDir)).join('')}</tr>`;
    })
    .join('\n');
  const newFailures = rows.filter((r) => r.newFailure).length;
  const flaky = rows.filter((r) => r.flaky).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>jitter nightly trend</title>
<style>
body { font: 13px system-ui, sans-serif; margin: 24px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: center; }
th.name { text-align: left; font-weight: normal; white-space: nowrap; }
td.pass { background: #e3f4e5; } td.fail { background: #f9d4d4; font-weight: 600; }
td.skip, td.none { color: #999; }
.mark { font-size: 11px; padding: 0 5px; border-radius: 8px; color: #fff; }
.mark.new { background: #c62828; } .mark.flaky { background: #e39a00; }
</style></head><body>
<h1>jitter nightly trend</h1>
<p>${shown.length} nights · ${rows.length} matrix entries · ${newFailures} new failures · ${flaky} flaky</p>
<table id="trend"><thead><tr><th>entry</th>${head}</tr></thead><tbody>
${body}
</tbody></table>
</body></html>
`;
}

/** Rewrites store/nightly/index.html from the summaries there. */
export function writeTrendPage(nightlyDir: string): string {
  fs.mkdirSync(nightlyDir, { recursive: true });
  const file = path.join(nightlyDir, 'index.html');
  writeFileAtomic(file, trendHtml(nightlyDir, readNights(nightlyDir)));
  return file;
}

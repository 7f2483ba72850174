/**
 * `npm run bench:report`: building the report of a 100,000-operation history (time, size), and the time until
 * the page is interactive in Chromium. Prints key=value lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildReportData } from './data.js';
import { writeReport } from './report.js';
import { synthRun } from './synth.js';

const OPS = Number(process.env.BENCH_OPS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const out = (k: string, v: string | number) =>
  console.log(`${k}=${typeof v === 'number' ? Math.round(v * 10) / 10 : v}`);

const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-bench-report-'));
try {
  const dir = synthRun(store, { ops: OPS, processes: 50, check: false, name: 'bench' });
  const history = path.join(dir, 'history.jsonl');
  out('ops', OPS);
  out('history_bytes', fs.statSync(history).size);

  const readMs: number[] = [];
  const buildMs: number[] = [];
  let file = '';
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    await buildReportData(dir);
    readMs.push(performance.now() - t);
    t = performance.now();
    file = await writeReport(dir);
    buildMs.push(performance.now() - t);
  }
  out('read_ms_median', median(readMs));
  out('build_ms_median', median(buildMs));
  out('build_ms_min', Math.min(...buildMs));
  out('report_bytes', fs.statSync(file).size);
  out('report_to_history_size_ratio', fs.statSync(file).size / fs.statSync(history).size);

  if (!fs.existsSync(CHROMIUM)) {
    out('browser', `skipped (no ${CHROMIUM})`);
  } else {
    // Playwright is a dev dependency: loaded only here.
    const { chromium } = await import('@playwright/test');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const interactive: number[] = [];
    const scriptMs: number[] = [];
    const frameMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const t = performance.now();
      await page.goto(pathToFileURL(file).href);
      // Browser-side code as strings: this module is compiled without the DOM's types.
      // A function, not a string: polling a string predicate is an eval, which the page's CSP refuses.
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body
            .dataset.ready === '1',
        null,
        { timeout: 120_000 },
      );
      interactive.push(performance.now() - t);
      scriptMs.push(Number(await page.evaluate('document.body.dataset.renderMs')));
      // A timeline redraw of the whole run, the most it ever draws.
      frameMs.push(
        Number(
          await page.evaluate(`(async () => {
            const c = document.querySelector('.tl-canvas');
            c.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
            await new Promise((r) => requestAnimationFrame(() => r(null)));
            return c.dataset.drawMs;
          })()`),
        ),
      );
      await page.close();
    }
    await browser.close();
    out('interactive_ms_median', median(interactive));
    out('interactive_ms_min', Math.min(...interactive));
    out('page_script_ms_median', median(scriptMs));
    out('timeline_full_redraw_ms_median', median(frameMs));
  }
} finally {
  fs.rmSync(store, { recursive: true, force: true });
}

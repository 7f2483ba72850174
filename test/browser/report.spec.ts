import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { writeReport, writeStoreIndex } from '../../reports/index.js';
import { synthRun } from '../../reports/synth.js';
import {
  CLI,
  EVIL,
  expectChartsDrawn,
  fileUrl,
  inkedPixels,
  open,
  reportData,
  run,
  serve,
  shot,
  tmpStore,
} from './helpers.js';

let store: string;
let invalidRun: string;
let bigRun: string;
let retiredRun: string;
let retiredStore: string;

test.beforeAll(async () => {
  store = tmpStore('reports');
  invalidRun = synthRun(store, {
    ops: 400,
    invalid: true,
    commitViolation: true,
    evilValue: EVIL,
    name: 'invalid-kv',
  });
  await writeReport(invalidRun);
  bigRun = synthRun(store, { ops: 100_000, processes: 60, check: false, name: 'big-100k' });
  await writeReport(bigRun);
  // Every fifth write ends indeterminate and retires its process: over a thousand processes, ten workers.
  // A store of its own: the store index test counts the runs of `store`.
  retiredStore = tmpStore('retired');
  retiredRun = synthRun(retiredStore, {
    ops: 12_000,
    processes: 10,
    infoRate: 0.2,
    check: false,
    name: 'retired',
  });
  await writeReport(retiredRun);
  // A sweep's record, as `jitter sim --seeds` leaves it, whose one failing seed is the invalid run.
  const sweep = path.join(store, 'sweeps', '20261201T000000.000Z');
  fs.mkdirSync(sweep, { recursive: true });
  fs.writeFileSync(
    path.join(sweep, 'sweep.json'),
    JSON.stringify({
      seeds: '7-9',
      total: 3,
      options: { mode: 'fixed', replicas: 3, timeLimit: 60, workload: 'register', nemesis: [EVIL] },
      keepGoing: true,
      started: '2026-12-01T00:00:00.000Z',
      versions: { jitter: '0.1.0', node: process.version },
    }),
  );
  const verdict = (seed: number, valid: boolean, extra = {}) =>
    `${JSON.stringify({ seed, valid, failed: valid ? [] : [EVIL], simulatedUs: 6e7, wallMs: 400, ops: 10, ...extra })}\n`;
  fs.writeFileSync(
    path.join(sweep, 'verdicts.jsonl'),
    verdict(7, true) + verdict(8, false, { stored: path.relative(store, invalidRun) }),
  );
  await writeStoreIndex(store);
});

test.afterAll(() => {
  fs.rmSync(store, { recursive: true, force: true });
  fs.rmSync(retiredStore, { recursive: true, force: true });
});

test('a real short jitter test run: verdict, charts and timeline drawn', async ({ page }) => {
  const realStore = tmpStore('real');
  try {
    const { stdout } = await run(
      process.execPath,
      // Partitions every second, so the 5 s run has fault intervals to shade.
      [
        CLI,
        'test',
        '--time-limit',
        '5',
        '--nemesis-interval',
        '1',
        '--seed',
        '7',
        '--store',
        realStore,
        '--json',
      ],
      {
        timeout: 90_000,
      },
    );
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as {
      dir: string;
      valid: unknown;
      ops: { total: number };
    };
    // The harness writes the report itself; rebuild it to be sure it is this code's.
    const report = await writeReport(summary.dir);
    const { errors } = await open(page, fileUrl(report));
    await expect(page.locator('#verdict')).toHaveAttribute('data-verdict', String(summary.valid));
    await expect(page.locator('#verdict')).toHaveText(
      summary.valid === true ? 'valid' : summary.valid === false ? 'INVALID' : 'unknown',
    );
    // Direct rows only: a checker's details hold small count tables of their own.
    await expect(page.locator('#checkers table.checkers > tbody > tr')).toHaveCount(5);
    await expect(page.locator('header .summary')).toContainText(`${summary.ops.total} operations`);
    const faults = reportData(report).faults;
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.every((f) => f.kind === 'partition' && f.end > f.start)).toBe(true);
    await expectChartsDrawn(page, true);
    expect(Number(await page.locator('.tl-canvas').getAttribute('data-drawn'))).toBeGreaterThan(0);
    expect(await inkedPixels(page, '.tl-canvas')).toBeGreaterThan(1000);
    await expect(page.locator('#replica-events tbody tr').first()).toContainText('start');
    // Raw files are linked relative to the report and exist.
    const hrefs = await page.$$eval('#files a', (as) => as.map((a) => a.getAttribute('href')!));
    expect(hrefs).toContain('./history.jsonl');
    for (const h of hrefs) expect(fs.existsSync(path.join(summary.dir, decodeURIComponent(h)))).toBe(true);
    await shot(page, 'real-run-top');
    await shot(page, 'real-run-charts', '#charts');
    expect(errors).toEqual([]);
  } finally {
    fs.rmSync(realStore, { recursive: true, force: true });
  }
});

test('an invalid stored history: counterexample, fault shading, commit violations', async ({ page }) => {
  const { errors } = await open(page, fileUrl(path.join(invalidRun, 'report.html')));
  await expect(page.locator('#verdict')).toHaveText('INVALID');
  await expectChartsDrawn(page, true);
  await expect(page.locator('#chart-clock')).toBeVisible();
  await expect(page.locator('.legend-item[data-fault]')).toHaveCount(5);

  // The partition's lane in the timeline carries the partition colour in the middle of the fault.
  const d = reportData(path.join(invalidRun, 'report.html'));
  const part = d.faults.find((x) => x.kind === 'partition')!;
  const at = { mid: (part.start + part.end) / 2 / d.endMs, lane: d.faultKinds.indexOf('partition') };
  const partitionPixel = await page.evaluate(({ mid, lane }) => {
    const canvas = document.querySelector('.tl-canvas') as HTMLCanvasElement;
    const dpr = window.devicePixelRatio || 1;
    const x = 90 + mid * (canvas.clientWidth - 90);
    const y = 24 + lane * 16 + 8;
    return Array.from(
      canvas.getContext('2d')!.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data,
    );
  }, at);
  expect(partitionPixel[0]!).toBeGreaterThan(partitionPixel[1]! + 60);

  const cx = page.locator('#counterexample-view');
  await expect(cx).toBeVisible();
  await expect(cx.locator('.cx-failing')).toContainText('never-written');
  await expect(cx.locator('.cx-op.failing')).toHaveCount(1);
  await expect(cx.locator('tr.failing-row')).toContainText('cannot be linearized');
  // Hovering a step shows the model state before and after it, as listed in the table.
  const step = cx.locator('.cx-op.step').last();
  const n = await step.getAttribute('data-step');
  await page.locator('#linearizability').evaluate((e) => e.scrollIntoView());
  await step.hover();
  const row = cx.locator(`table.cx-steps tr[data-step="${n}"] td`);
  const before = await row.nth(3).textContent();
  const after = await row.nth(4).textContent();
  await expect(page.locator('#cx-state')).toContainText(`state before: ${before}`);
  await expect(page.locator('#cx-state')).toContainText(`state after: ${after}`);
  await expect(cx.locator(`table.cx-steps tr[data-step="${n}"]`)).toHaveClass(/hl/);
  await shot(page, 'counterexample-hover');
  await cx.locator('.cx-op.failing').hover();
  await expect(page.locator('#cx-state')).toContainText('cannot be linearized');

  const commit = page.locator('#commit-view');
  await expect(commit.locator('.violation[data-kind="durability"]').first()).toBeVisible();
  await expect(commit.locator('td.differs').first()).toContainText('c-intruder#999');
  await expect(commit.locator('table.side-by-side').first().locator('thead th')).toHaveCount(4);
  await shot(page, 'commit-violations', '#commit');
  await shot(page, 'invalid-charts', '#charts');
  await shot(page, 'invalid-timeline', '#timeline-section');
  expect(errors).toEqual([]);
});

test('a history value with markup appears as text and runs nothing', async ({ page }) => {
  const { errors } = await open(page, fileUrl(path.join(invalidRun, 'report.html')));
  await expect(page.locator('#replica-events')).toContainText(EVIL);
  expect(await page.locator('img').count()).toBe(0);
  // The fault lane's tooltip shows the latency fault's label, the same markup, as text.
  const d = reportData(path.join(invalidRun, 'report.html'));
  const lat = d.faults.find((x) => x.kind === 'latency')!;
  const info = { mid: (lat.start + lat.end) / 2 / d.endMs, lane: d.faultKinds.indexOf('latency') };
  await page.locator('.tl-canvas').scrollIntoViewIfNeeded();
  const box = (await page.locator('.tl-canvas').boundingBox())!;
  await page.mouse.move(box.x + 90 + info.mid * (box.width - 90), box.y + 24 + info.lane * 16 + 8);
  await expect(page.locator('.tooltip')).toContainText(EVIL);
  expect(await page.locator('.tooltip img').count()).toBe(0);
  expect(errors).toEqual([]);
});

test('the timeline of a 100,000-operation history renders, zooms, pans and scrolls', async ({ page }) => {
  const t0 = Date.now();
  const { errors } = await open(page, fileUrl(path.join(bigRun, 'report.html')));
  const loadMs = Date.now() - t0;
  await expect(page.locator('header .summary')).toContainText('100000 operations');
  const canvas = page.locator('.tl-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const attr = async (k: string) => Number(await canvas.getAttribute(`data-${k}`));
  expect(await attr('drawn')).toBeGreaterThan(100);
  await expectChartsDrawn(page, true);
  const full = (await attr('view-end')) - (await attr('view-start'));

  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 100);
  await page.keyboard.down('Control');
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -100);
  await page.keyboard.up('Control');
  await expect.poll(async () => (await attr('view-end')) - (await attr('view-start'))).toBeLessThan(full / 2);
  const zoomedStart = await attr('view-start');

  // Drag right to left pans later in time.
  await page.mouse.move(box.x + box.width / 2, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 4, box.y + 100, { steps: 5 });
  await page.mouse.up();
  await expect.poll(() => attr('view-start')).toBeGreaterThan(zoomedStart);

  // The lanes scroll natively; the first lane drawn follows.
  expect(await attr('lanes')).toBeGreaterThan(60);
  await page.locator('.tl-scroll').evaluate((e) => {
    e.scrollTop = 400;
  });
  await expect.poll(() => attr('first-lane')).toBeGreaterThan(20);

  // Frames stay short: pan through the whole run and time each redraw.
  const frames = await page.evaluate(async () => {
    const c = document.querySelector('.tl-canvas') as HTMLCanvasElement;
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      c.dispatchEvent(new KeyboardEvent('keydown', { key: i < 3 ? '-' : 'ArrowRight', bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      times.push(Number(c.dataset.drawMs));
    }
    return times;
  });
  // The median, not the worst: other jobs share the two cores and stall a frame now and then.
  const median = [...frames].sort((a, b) => a - b)[Math.floor(frames.length / 2)]!;
  console.log(
    `100k report: ready after ${loadMs} ms, timeline frames ${frames.map((f) => f.toFixed(1)).join(' ')} ms`,
  );
  expect(median).toBeLessThan(80);
  await shot(page, 'timeline-100k', '#timeline-section');
  expect(errors).toEqual([]);
});

test('a history with 1,000 retired processes has one timeline lane per worker, process changes marked', async ({
  page,
}) => {
  const d = reportData(path.join(retiredRun, 'report.html'));
  expect(d.processes.length).toBeGreaterThan(1000);
  expect(d.concurrency).toBe(10);
  const { errors } = await open(page, fileUrl(path.join(retiredRun, 'report.html')));
  const canvas = page.locator('.tl-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const attr = async (k: string) => Number(await canvas.getAttribute(`data-${k}`));
  await expect.poll(() => attr('drawn')).toBeGreaterThan(100);
  expect(await attr('process-lanes')).toBeLessThanOrEqual(10);
  expect(await attr('lanes')).toBeLessThanOrEqual(10 + d.replicaEvents.replicas.length + d.faultKinds.length);
  // The whole timeline fits without scrolling its lanes.
  const { scrollHeight, clientHeight } = await page
    .locator('.tl-scroll')
    .evaluate((e) => ({ scrollHeight: e.scrollHeight, clientHeight: e.clientHeight }));
  expect(scrollHeight).toBeLessThanOrEqual(clientHeight + 1);
  // Hovering a lane names the process that ran the operation there.
  const box = (await canvas.boundingBox())!;
  const lane = (await attr('lanes')) - 1;
  let text = '';
  for (let x = 0.2; x < 0.9 && !text.includes('process'); x += 0.05) {
    await page.mouse.move(box.x + 90 + (box.width - 90) * x, box.y + 24 + lane * 16 + 8);
    text =
      (await page
        .locator('.tooltip')
        .textContent()
        .catch(() => '')) ?? '';
  }
  expect(text).toMatch(/process \d+/);
  await shot(page, 'timeline-retired', '#timeline-section');
  expect(errors).toEqual([]);
});

test('the store index lists sweeps, and a failing seed links to its report', async ({ page }) => {
  const server = await serve(store);
  try {
    const { errors } = await open(page, server.url);
    const row = page.locator('#sweeps tbody tr');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('2 of 3');
    // Killed outright: no summary says why it stopped.
    await expect(row).toContainText('stopped; jitter sim --resume');
    // Names from the record are text.
    await expect(row).toContainText(EVIL);
    expect(await page.locator('img').count()).toBe(0);
    await shot(page, 'store-sweeps', '#sweeps');
    await row.getByRole('link', { name: /^8 / }).click();
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    await expect(page.locator('#verdict')).toHaveText('INVALID');
    expect(errors).toEqual([]);
  } finally {
    server.stop();
  }
});

test('the store index lists runs and its links work through jitter serve', async ({ page }) => {
  const server = await serve(store);
  try {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { errors } = await open(page, server.url);
    const rows = page.locator('#runs tbody tr');
    await expect(rows).toHaveCount(2);
    await expect(page.locator('#runs td.verdict-cell.v-invalid')).toHaveText('INVALID');
    await expect(page.locator('#runs td.verdict-cell.v-none')).toHaveText('not checked');
    await page.getByLabel('filter').fill('big');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('big-100k');
    await page.getByLabel('filter').fill('');
    await page.getByLabel('verdict').selectOption('INVALID');
    await expect(rows).toHaveCount(1);
    await page.getByLabel('verdict').selectOption('');
    await page.locator('#runs th[data-key="ops"]').click();
    await expect(rows.first()).toContainText('invalid-kv');
    await page.locator('#runs th[data-key="ops"]').click();
    await expect(rows.first()).toContainText('big-100k');
    await shot(page, 'store-index');

    // Into a report, then to one of its raw files.
    await page.locator('#runs tr', { hasText: 'invalid-kv' }).getByRole('link', { name: 'report' }).click();
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    await expect(page.locator('#verdict')).toHaveText('INVALID');
    await page.locator('#files a', { hasText: 'r1.log' }).click();
    await expect(page.locator('body')).toContainText('"event":"start"');
    expect(errors).toEqual([]);
  } finally {
    server.stop();
  }
});

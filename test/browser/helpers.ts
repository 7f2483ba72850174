import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, type Page } from '@playwright/test';
import type { ReportData } from '../../reports/types.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'harness', 'cli.js');
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
export const EVIL = '<img src=x onerror=alert(1)>';

export const run = promisify(execFile);

export function tmpStore(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `jitter-browser-${tag}-`));
}

export function fileUrl(p: string): string {
  return `file://${p.split(path.sep).map(encodeURIComponent).join('/')}`;
}

/** Opens a page, failing on any script error or dialog (a dialog would mean injected code ran). */
export async function open(page: Page, url: string): Promise<{ errors: string[] }> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 90_000 });
  return { errors };
}

/** How many pixels of a canvas differ from white: a drawn chart has many. */
export async function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! > 0 && (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240)) n++;
    }
    return n;
  });
}

/** Every uPlot chart on the page has data points and ink on its canvas, and shades the faults it should. */
export async function expectChartsDrawn(page: Page, withFaults: boolean): Promise<void> {
  const charts = await page.$$eval('.chart', (els) =>
    els.map((e) => ({
      id: e.id,
      points: Number((e as HTMLElement).dataset.points),
      bands: Number((e as HTMLElement).dataset.faultBands ?? -1),
    })),
  );
  expect(charts.length).toBeGreaterThanOrEqual(2);
  for (const c of charts) {
    expect(c.points, `${c.id} has data`).toBeGreaterThan(0);
    expect(await inkedPixels(page, `#${c.id} canvas`), `${c.id} is drawn`).toBeGreaterThan(500);
    if (withFaults) expect(c.bands, `${c.id} shades faults`).toBeGreaterThan(0);
  }
}

export async function shot(page: Page, name: string, selector?: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  if (selector) await page.locator(selector).first().screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: false });
}

/** `jitter serve` as a child process on a free port; resolves with its URL. */
export async function serve(store: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--store', store, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = out.match(/at (http:\/\/\S+)/);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.once('exit', (code) => reject(new Error(`jitter serve exited ${code}: ${out}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** The data a report embeds, read from the file (the page replaces its body once it has read it). */
/** The report's embedded data (the fields tests read; operation columns may be packed). */
export function reportData(
  file: string,
): Pick<ReportData, 'faultKinds' | 'faults' | 'endMs' | 'processes' | 'concurrency' | 'replicaEvents'> {
  const html = fs.readFileSync(file, 'utf8');
  const m = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s);
  return JSON.parse(m![1]!);
}

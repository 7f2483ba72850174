import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonForScript } from '../reports/html.js';
import { writeReport, writeStoreIndex } from '../reports/index.js';
import { serveStore } from '../reports/serve.js';
import { synthRun } from '../reports/synth.js';
import type { ReportData, StoreData } from '../reports/types.js';

const EVIL = '<img src=x onerror=alert(1)></script><!--';
let store: string;
let invalidRun: string;
let validRun: string;
beforeAll(async () => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-report-pages-'));
  invalidRun = synthRun(store, { ops: 200, invalid: true, evilValue: EVIL, name: 'evil' });
  validRun = synthRun(store, { ops: 200, name: 'fine', faults: false });
  await writeReport(invalidRun);
  await writeReport(validRun);
});
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

function embedded<T>(html: string, id: string): T {
  const m = html.match(new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's'));
  if (!m) throw new Error(`no #${id}`);
  return JSON.parse(m[1]!) as T;
}

describe('report.html', () => {
  it('is self-contained and keeps history values as data', () => {
    const html = fs.readFileSync(path.join(invalidRun, 'report.html'), 'utf8');
    // Nothing fetched: no external script, style or image.
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<!--');
    // Exactly two script elements: the JSON data and the page script, which the CSP allows by hash.
    const scripts = [...html.matchAll(/<script([^>]*)>(.*?)<\/script>/gs)];
    expect(scripts.length).toBe(2);
    const code = scripts[1]![2]!;
    const hash = createHash('sha256').update(code).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    const data = embedded<ReportData>(html, 'report-data');
    expect(data.values).toContain(JSON.stringify(EVIL));
    expect(data.verdict).toBe(false);
  });

  it('escapes every < in embedded JSON and round-trips', () => {
    const value = { s: '</script><script>alert(1)</script>', u: '\u2028' };
    const text = jsonForScript(value);
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('store index', () => {
  it('lists every run with verdict, operations, faults and report link', async () => {
    const file = await writeStoreIndex(store);
    const data = embedded<StoreData>(fs.readFileSync(file, 'utf8'), 'store-data');
    expect(data.runs.map((r) => r.name).sort()).toEqual(['evil', 'fine']);
    const evil = data.runs.find((r) => r.name === 'evil')!;
    expect(evil.verdict).toBe(false);
    expect(evil.ops).toBe(200);
    expect(evil.faults).toBe(5);
    expect(evil.faultKinds).toEqual(['clock', 'kill', 'latency', 'partition', 'pause']);
    expect(evil.report).toBe(`${path.relative(store, invalidRun)}/report.html`);
    const fine = data.runs.find((r) => r.name === 'fine')!;
    expect(fine.verdict).toBe(true);
    expect(fine.faults).toBe(0);
    expect(fs.existsSync(path.join(store, evil.report!))).toBe(true);
  });
});

describe('jitter report', () => {
  it('rebuilds a run report and the store index; refuses a folder that is not a run', async () => {
    const { buildProgram } = await import('../harness/cli.js');
    const report = path.join(validRun, 'report.html');
    fs.rmSync(report);
    fs.rmSync(path.join(store, 'index.html'), { force: true });
    await buildProgram().parseAsync(['node', 'jitter', 'report', validRun, '--store', store]);
    expect(fs.existsSync(report)).toBe(true);
    expect(fs.existsSync(path.join(store, 'index.html'))).toBe(true);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-not-a-run-'));
    const before = process.exitCode;
    await buildProgram().parseAsync(['node', 'jitter', 'report', empty]);
    expect(process.exitCode).toBe(2);
    process.exitCode = before;
    expect(fs.existsSync(path.join(empty, 'report.html'))).toBe(false);
    fs.rmSync(empty, { recursive: true });
  });
});

describe('jitter serve', () => {
  it('serves the store on loopback, and nothing outside it', async () => {
    await writeStoreIndex(store);
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    fs.symlinkSync(outside, path.join(store, 'escape'));
    const s = await serveStore({ store, port: 0 });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(s.url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toContain('text/html');
      expect(await index.text()).toContain('store-data');
      const rel = path.relative(store, invalidRun);
      const report = await fetch(`${s.url}${rel}/report.html`);
      expect(report.status).toBe(200);
      const log = await fetch(`${s.url}${rel}/replicas/r1.log`);
      expect(log.headers.get('content-type')).toContain('text/plain');
      expect(await log.text()).toContain('"event":"start"');
      const listing = await fetch(`${s.url}${rel}/replicas/`);
      expect(await listing.text()).toContain('r2.log');
      const redirect = await fetch(`${s.url}${rel}`, { redirect: 'manual' });
      expect(redirect.status).toBe(301);
      expect((await fetch(`${s.url}escape/secret.txt`)).status).toBe(404);
      expect((await fetch(`${s.url}..%2f..%2fetc%2fpasswd`)).status).toBe(404);
      expect((await fetch(`${s.url}index.html`, { method: 'POST' })).status).toBe(405);
    } finally {
      await s.close();
      fs.rmSync(path.join(store, 'escape'));
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

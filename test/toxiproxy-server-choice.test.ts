/**
 * Server choice (`--toxiproxy auto|embedded|URL|bin:PATH`) and ownership: the embedded child prints a parseable
 * line, serves the API, and dies with its parent even on SIGKILL. Runs the built CLI, so it builds first.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Toxiproxy } from 'toxiproxy-node-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddedCliPath, parseToxiproxyChoice, startToxiproxy } from '../harness/toxiproxy-server.js';
import { startServer } from '../toxiproxy/server.js';
import { canConnect, sleep } from './toxiproxy-helpers.js';

const root = path.resolve(import.meta.dirname, '..');
let dir: string;

beforeAll(async () => {
  // dist/ is built by `npm test` first; rebuilding here would rewrite files other tests' processes load.
  dir = mkdtempSync(path.join(tmpdir(), 'jitter-toxi-'));
  // A stand-in for Shopify's binary: same flags (-host, -port, -seed), serving the embedded server.
  const fake = path.join(dir, 'toxiproxy-server');
  writeFileSync(
    fake,
    `#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -host) H="$2"; shift 2;; -port) P="$2"; shift 2;; -seed) S="$2"; shift 2;; *) shift;; esac; done
exec "${process.execPath}" "${embeddedCliPath()}" toxiproxy --host "$H" --port "$P" --seed "\${S:-1}"
`,
  );
  chmodSync(fake, 0o755);
}, 60_000);

describe('choice parsing', () => {
  it('accepts the four forms and rejects anything else clearly', () => {
    expect(parseToxiproxyChoice('auto')).toEqual({ kind: 'auto' });
    expect(parseToxiproxyChoice('embedded')).toEqual({ kind: 'embedded' });
    expect(parseToxiproxyChoice('http://127.0.0.1:8474/')).toEqual({
      kind: 'external',
      url: 'http://127.0.0.1:8474',
    });
    expect(parseToxiproxyChoice('bin:/opt/toxiproxy-server')).toEqual({
      kind: 'binary',
      path: '/opt/toxiproxy-server',
    });
    expect(() => parseToxiproxyChoice('bin:')).toThrow(/needs a path/);
    expect(() => parseToxiproxyChoice('toxi')).toThrow(/auto, embedded, a URL .* or bin:PATH/);
  });
});

describe('embedded child', () => {
  it('starts on a free port, serves the API, reports its version and stops', async () => {
    const h = await startToxiproxy('embedded', { seed: 3 });
    try {
      expect(h.kind).toBe('embedded');
      expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(h.version).toMatch(/jitter/);
      expect(h.seed).toBe(3);
      const v = JSON.parse(await new Toxiproxy(h.url).getVersion()) as { version: string };
      expect(v.version).toBe(h.version);
    } finally {
      await h.stop();
    }
    expect(await canConnect(h.url.replace('http://', ''))).toBe(false);
  });

  it('auto falls back to embedded when toxiproxy-server is not on PATH', async () => {
    const h = await startToxiproxy('auto', { path: '/nonexistent' });
    await h.stop();
    expect(h.kind).toBe('embedded');
  });

  it('exits when its parent is SIGKILLed', async () => {
    // A parent that starts the embedded server, reports its URL, then waits to be killed.
    const script = `
      import { startToxiproxy } from ${JSON.stringify(path.join(root, 'dist/harness/toxiproxy-server.js'))};
      const h = await startToxiproxy('embedded');
      console.log(h.url);
      setInterval(() => {}, 1000);
    `;
    const parent = execa(process.execPath, ['--input-type=module', '-e', script], {
      buffer: false,
      reject: false,
    });
    const url = await new Promise<string>((resolve) => {
      parent.stdout?.once('data', (d: Buffer) => resolve(String(d).trim()));
    });
    const addr = url.replace('http://', '');
    expect(await canConnect(addr)).toBe(true);
    parent.kill('SIGKILL');
    await parent;
    // Polled for up to 30 s: a loaded machine may take a while to schedule the orphan's exit.
    let alive = true;
    for (const until = Date.now() + 30_000; alive && Date.now() < until; ) {
      await sleep(100);
      alive = await canConnect(addr);
    }
    expect(alive).toBe(false);
  }, 60_000);

  it('the CLI rejects bad options with a clear message', async () => {
    const r = await execa(process.execPath, [embeddedCliPath(), 'toxiproxy', '--port', 'abc'], {
      reject: false,
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/--port must be an integer from 0 to 65535/);
    const busy = await startServer({ port: 0 });
    try {
      const r2 = await execa(
        process.execPath,
        [embeddedCliPath(), 'toxiproxy', '--port', String(busy.port)],
        {
          reject: false,
        },
      );
      expect(r2.exitCode).toBe(1);
      expect(r2.stderr).toMatch(/cannot listen/);
    } finally {
      await busy.close();
    }
  });
});

describe('binary and external', () => {
  it('bin:PATH starts that binary with -host/-port and stops it', async () => {
    const h = await startToxiproxy(`bin:${path.join(dir, 'toxiproxy-server')}`, { seed: 9 });
    try {
      expect(h.kind).toBe('binary');
      expect(h.version.length).toBeGreaterThan(0);
      expect(Object.keys(await new Toxiproxy(h.url).getAll())).toEqual([]);
    } finally {
      await h.stop();
    }
    expect(await canConnect(h.url.replace('http://', ''))).toBe(false);
  });

  it('auto prefers toxiproxy-server from PATH', async () => {
    const h = await startToxiproxy('auto', { path: dir });
    await h.stop();
    expect(h.kind).toBe('binary');
    expect(h.command).toBe(path.join(dir, 'toxiproxy-server'));
  });

  it('bin:PATH that does not exist fails clearly', async () => {
    await expect(startToxiproxy('bin:/nonexistent/toxiproxy-server')).rejects.toThrow(/could not start/);
  });

  it('a URL is used as is and never stopped by us', async () => {
    const s = await startServer({ port: 0 });
    try {
      const h = await startToxiproxy(s.url);
      expect(h.kind).toBe('external');
      expect(h.version).toBe(s.version);
      await h.stop();
      expect(await canConnect(`127.0.0.1:${s.port}`)).toBe(true);
    } finally {
      await s.close();
    }
    await expect(startToxiproxy(s.url)).rejects.toThrow(/no Toxiproxy answering/);
  });
});

/** The system's data files are gzipped after a run: the same bytes back, small files left alone. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect, it } from 'vitest';
import { gzipTree } from '../harness/compact.js';

it('gzips large files under a folder in place and leaves small ones', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-compact-'));
  fs.mkdirSync(path.join(dir, 'r1', 'data'), { recursive: true });
  const big = '{"ts":1,"client":"c1","req":1}\n'.repeat(10_000);
  fs.writeFileSync(path.join(dir, 'r1', 'data', 'wal.jsonl'), big);
  fs.writeFileSync(path.join(dir, 'r1', 'small.json'), '{}');
  expect(await gzipTree(dir)).toBe(1);
  expect(fs.existsSync(path.join(dir, 'r1', 'data', 'wal.jsonl'))).toBe(false);
  const gz = fs.readFileSync(path.join(dir, 'r1', 'data', 'wal.jsonl.gz'));
  expect(zlib.gunzipSync(gz).toString()).toBe(big);
  expect(gz.length).toBeLessThan(big.length / 10);
  expect(fs.existsSync(path.join(dir, 'r1', 'small.json'))).toBe(true);
  fs.rmSync(dir, { recursive: true });
});

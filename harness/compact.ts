/**
 * After a run, the system's own data files (nodes/: each replica's write-ahead log) are gzipped in place: the
 * store keeps them for a post-mortem, but nothing reads them again, and uncompressed they were a quarter of a
 * run's bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

/** Files smaller than this stay as they are: compressing them saves nothing worth a step. */
const MIN_BYTES = 64 * 1024;

export async function gzipTree(dir: string): Promise<number> {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += await gzipTree(p);
    else if (e.isFile() && !e.name.endsWith('.gz') && fs.statSync(p).size >= MIN_BYTES) {
      await pipeline(fs.createReadStream(p), zlib.createGzip(), fs.createWriteStream(`${p}.gz`));
      fs.rmSync(p);
      n++;
    }
  }
  return n;
}

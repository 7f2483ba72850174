/**
 * A text file's lines, read lazily and synchronously a chunk at a time: checkers are synchronous, and a run's
 * files may be far larger than memory should hold.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 1 << 20;

/** The file's lines, without their newlines (the last one too, when the file does not end with one). */
export function* fileLines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  // A character split across two chunks is held back by the decoder, not mangled.
  const utf8 = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const text = rest + utf8.write(buf.subarray(0, n));
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      yield* lines;
    }
    rest += utf8.end();
    if (rest) yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

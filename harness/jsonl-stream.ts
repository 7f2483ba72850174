/**
 * JSON lines read lazily and synchronously, a chunk at a time: the checkers are synchronous, and a run's
 * files may be far larger than memory should hold. A line that does not parse (a torn last line after a
 * crash) is skipped.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 1 << 20;

export function* jsonLines<T>(file: string): Generator<T> {
  if (!fs.existsSync(file)) return;
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
      for (const line of lines) {
        const v = parse<T>(line);
        if (v !== undefined) yield v;
      }
    }
    const v = parse<T>(rest);
    if (v !== undefined) yield v;
  } finally {
    fs.closeSync(fd);
  }
}

function parse<T>(line: string): T | undefined {
  if (!line.trim()) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

/** An iterable that reads the file again each time it is iterated. */
export function jsonLinesOf<T>(file: string): Iterable<T> {
  return { [Symbol.iterator]: () => jsonLines<T>(file) };
}

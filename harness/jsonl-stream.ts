/**
 * JSON lines read lazily and synchronously, a chunk at a time (core/lines.ts). A line that does not parse (a
 * torn last line after a crash) is skipped.
 */
import fs from 'node:fs';
import { fileLines } from '../core/lines.js';

export function* jsonLines<T>(file: string): Generator<T> {
  if (!fs.existsSync(file)) return;
  for (const line of fileLines(file)) {
    const v = parse<T>(line);
    if (v !== undefined) yield v;
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

/** JSON lines, read as a stream: run files can be far larger than one string may be. */
import fs from 'node:fs';
import readline from 'node:readline';

export interface JsonLinesStats {
  lines: number;
  malformed: number;
}

/** Calls `each` for every line that parses as JSON; counts the others. Blank lines are skipped. */
export async function forEachJsonLine(
  file: string,
  each: (value: unknown) => void,
  onOther?: (line: string) => void,
): Promise<JsonLinesStats> {
  const stats: JsonLinesStats = { lines: 0, malformed: 0 };
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    stats.lines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      stats.malformed++;
      onOther?.(line);
      continue;
    }
    each(value);
  }
  return stats;
}

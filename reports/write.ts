import fs from 'node:fs';

/** Write then rename, so a browser or `jitter serve` never reads half a page. */
export function writeAtomic(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

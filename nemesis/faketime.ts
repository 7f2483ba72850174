/**
 * libfaketime for replica clocks: each replica runs with the library preloaded and its own timestamp file
 * holding an offset ("+1.500000s"). No caching, so a rewrite of the file applies at once; the monotonic
 * clock is left alone, since faking it (and moving it back) hangs Node's timers.
 */
import fs from 'node:fs';
import path from 'node:path';

export const LIBFAKETIME_PATHS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

export class FaketimeMissing extends Error {}

/** The library's path (JITTER_LIBFAKETIME overrides the search), or an error saying what to install. */
export function findLibfaketime(): string {
  const override = process.env.JITTER_LIBFAKETIME;
  const candidates = override ? [override] : LIBFAKETIME_PATHS;
  const found = candidates.find((p) => fs.existsSync(p));
  if (found) return found;
  throw new FaketimeMissing(
    `the clock nemesis skews replica clocks with libfaketime, which is missing (looked in ${candidates.join(', ')}): ` +
      'install the Debian package "faketime" (apt-get install faketime), or set JITTER_LIBFAKETIME to the library',
  );
}

/** libfaketime's relative offset syntax, from microseconds. */
export function offsetText(us: number): string {
  return `${us < 0 ? '-' : '+'}${(Math.abs(us) / 1e6).toFixed(6)}s`;
}

export function timestampFile(nodesDir: string, node: string): string {
  return path.join(nodesDir, node, 'faketime');
}

/** Write `us` into the file so that a reader never sees it half-written (rename is atomic). */
export function writeOffset(file: string, us: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, offsetText(us));
  fs.renameSync(tmp, file);
}

export function faketimeEnv(lib: string, file: string): Record<string, string> {
  return {
    LD_PRELOAD: lib,
    FAKETIME_TIMESTAMP_FILE: file,
    FAKETIME_NO_CACHE: '1',
    DONT_FAKE_MONOTONIC: '1',
  };
}

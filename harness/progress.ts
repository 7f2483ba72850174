/** The run's one-line progress: elapsed and remaining time, outcomes, faults, and what the run has stored. */
import fs from 'node:fs';
import path from 'node:path';

export interface ProgressState {
  elapsedMs: number;
  /** Length of the main phase. */
  limitMs: number;
  phase: string;
  counts: { ok: number; fail: number; info: number };
  faults: string[];
  runDir: string;
}

/** Bytes under a folder; a file removed while counting is skipped. */
export function dirBytes(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else {
      try {
        total += fs.statSync(p).size;
      } catch {
        // gone meanwhile
      }
    }
  }
  return total;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

/** 3725 s as 1h02m05s; short runs stay in seconds. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${sec}s` : `${m}m${sec}s`;
}

export function progressLine(p: ProgressState): string {
  const left = p.phase === 'main' ? `, ${formatDuration(p.limitMs - p.elapsedMs)} left` : '';
  return (
    `[${formatDuration(p.elapsedMs)} ${p.phase}${left}] ok ${p.counts.ok} fail ${p.counts.fail} info ${p.counts.info}` +
    ` | faults: ${p.faults.length > 0 ? p.faults.join(', ') : 'none'} | stored ${formatBytes(dirBytes(p.runDir))}`
  );
}

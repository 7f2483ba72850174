/**
 * A sweep's record in the store, `<store>/sweeps/<start>/`: its files and their shapes. `jitter sim --seeds`
 * writes it (sim/sweep-record.ts); the store index and `jitter store merge` read it.
 *
 *   sweep.json       SweepPlan: the seeds (as given to --seeds), every seed's options but its seed
 *   verdicts.jsonl   one SeedVerdict per judged seed, appended as it comes (a kill loses only seeds in flight)
 *   summary.json     SweepSummary: where the sweep stood when its last session ended
 *   sweep.lock       the process running the sweep now, so that two never run one record
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJsonFile } from './store.js';

export const SWEEPS_DIR = 'sweeps';
export const SWEEP_FILES = {
  plan: 'sweep.json',
  verdicts: 'verdicts.jsonl',
  summary: 'summary.json',
  lock: 'sweep.lock',
} as const;

/** One seed's verdict in a sweep. */
export interface SeedVerdict {
  seed: number;
  valid: true | false | 'unknown';
  /** Checkers that did not say valid. */
  failed: string[];
  simulatedUs: number;
  wallMs: number;
  ops: number;
  /** Simulated seconds from the first operation to the first anomaly a failing checker names. */
  firstAnomalyS?: number;
  /** The run's folder relative to the store (`<test-name>/<start>`), when the sweep stored it. */
  stored?: string;
}

export interface SweepPlan<Options = Record<string, unknown>> {
  /** The seeds, as given to --seeds (`1-10000`, `1,5,9-12`). */
  seeds: string;
  total: number;
  /** Every seed's options; each run replaces `seed`. */
  options: Options;
  keepGoing: boolean;
  started: string;
  versions: { jitter: string; node: string };
}

export interface SweepSummary extends SweepTally {
  seeds: number;
  /** Every seed was judged. */
  complete: boolean;
  /** Why the last session ended before the last seed: the first failure, or a signal. */
  stopped?: string;
  /** Wall time of every session together. */
  wallMs: number;
  updated: string;
}

/** Who holds a record's lock. */
export interface SweepHolder {
  pid: number;
  host: string;
  since: string;
}

/** Every sweep record of a store, newest first. */
export function listSweeps(store: string): string[] {
  const dir = path.join(store, SWEEPS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, SWEEP_FILES.plan)))
    .map((d) => path.join(dir, d.name))
    .sort((a, b) => path.basename(b).localeCompare(path.basename(a)));
}

/**
 * Each judged seed's verdict, from verdicts.jsonl. A line cut short by a crash is a seed still to run. Records
 * written before `stored` was relative to the store named the run's folder as the sweep was given it; the
 * last two parts are that folder in any store.
 */
export function readVerdicts(dir: string): Map<number, SeedVerdict> {
  const out = new Map<number, SeedVerdict>();
  const file = path.join(dir, SWEEP_FILES.verdicts);
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const v = parseVerdict(line);
    if (v) out.set(v.seed, v.stored ? { ...v, stored: v.stored.split(/[\\/]/).slice(-2).join('/') } : v);
  }
  return out;
}

/** A record's verdicts counted, as its summary and the store index both say them. */
export interface SweepTally {
  judged: number;
  valid: number;
  invalid: number;
  unknown: number;
  /** Every seed not judged valid, in seed order. */
  failures: SeedVerdict[];
}

export function tally(verdicts: Iterable<SeedVerdict>): SweepTally {
  const t: SweepTally = { judged: 0, valid: 0, invalid: 0, unknown: 0, failures: [] };
  for (const v of verdicts) {
    t.judged++;
    if (v.valid === true) t.valid++;
    else {
      if (v.valid === false) t.invalid++;
      else t.unknown++;
      t.failures.push(v);
    }
  }
  t.failures.sort((a, b) => a.seed - b.seed);
  return t;
}

function parseVerdict(line: string): SeedVerdict | null {
  if (!line.trim()) return null;
  try {
    const v = JSON.parse(line) as SeedVerdict;
    return Number.isInteger(v.seed) && (v.valid === true || v.valid === false || v.valid === 'unknown')
      ? v
      : null;
  } catch {
    return null;
  }
}

/**
 * The live process that holds the record, or null. A sweep killed outright leaves its lock behind: a lock
 * whose process is gone holds nothing. A lock taken on another host cannot be checked from here, so it holds.
 */
export function sweepHolder(dir: string): SweepHolder | null {
  const h = readJsonFile<SweepHolder>(path.join(dir, SWEEP_FILES.lock));
  if (!h || !Number.isInteger(h.pid)) return null;
  if (h.host !== os.hostname()) return h;
  try {
    process.kill(h.pid, 0);
    return h;
  } catch (err) {
    // EPERM: the process lives, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? h : null;
  }
}

/**
 * Which runs a store can let go of, per test: a run stays if it is among the newest `keep`, or younger than
 * `days`; invalid runs (the ones worth reproducing) and each test's newest run always stay unless told. Sweep
 * records follow the same rules as one more test: one with a failing seed counts as invalid, and a record a
 * live process is running always stays.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FILES } from '../core/store.js';
import { listSweeps, readVerdicts, SWEEPS_DIR, sweepHolder, tally } from '../core/sweeps.js';
import { dirBytes } from './progress.js';

export interface PruneOptions {
  /** Keep this many newest runs per test. */
  keep?: number;
  /** Keep runs started less than this many days ago. */
  days?: number;
  /** Remove invalid runs too, when the rules above let them go. */
  pruneInvalid?: boolean;
  /** The time "days" count back from (ms); now by default. */
  nowMs?: number;
}

export interface PruneCandidate {
  dir: string;
  test: string;
  startMs: number;
  valid: boolean | 'unknown' | null;
  bytes: number;
}

export interface PrunePlan {
  remove: PruneCandidate[];
  keep: Array<PruneCandidate & { why: string }>;
}

function startOf(dir: string): number {
  try {
    const rec = JSON.parse(fs.readFileSync(path.join(dir, FILES.test), 'utf8')) as { startMs?: number };
    if (typeof rec.startMs === 'number') return rec.startMs;
  } catch {
    // fall back to the folder's name
  }
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z$/.exec(path.basename(dir));
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!) : 0;
}

function verdictOf(dir: string): PruneCandidate['valid'] {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(dir, FILES.results), 'utf8')) as { valid?: unknown };
    return r.valid === true || r.valid === false || r.valid === 'unknown' ? r.valid : null;
  } catch {
    return null;
  }
}

/** The runs of each test folder of the store (folders holding a test.json), newest first. */
function runsByTest(store: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!fs.existsSync(store)) return out;
  for (const t of fs.readdirSync(store, { withFileTypes: true })) {
    if (!t.isDirectory()) continue;
    const testDir = path.join(store, t.name);
    const runs = fs
      .readdirSync(testDir, { withFileTypes: true })
      .filter((r) => r.isDirectory() && fs.existsSync(path.join(testDir, r.name, FILES.test)))
      .map((r) => path.join(testDir, r.name))
      .sort((a, b) => path.basename(b).localeCompare(path.basename(a)));
    if (runs.length > 0) out.set(t.name, runs);
  }
  return out;
}

/** A sweep record's verdict: invalid when a seed failed, as a run with an anomaly is. */
function sweepVerdict(dir: string): PruneCandidate['valid'] {
  const t = tally(readVerdicts(dir).values());
  return t.invalid > 0 ? false : t.unknown > 0 ? 'unknown' : true;
}

export function planPrune(store: string, o: PruneOptions): PrunePlan {
  if (o.keep === undefined && o.days === undefined) throw new Error('say what to keep: --keep N or --days D');
  const now = o.nowMs ?? Date.now();
  const plan: PrunePlan = { remove: [], keep: [] };
  const groups = [...runsByTest(store)].map(([test, dirs]) => ({ test, dirs, verdict: verdictOf }));
  const sweeps = listSweeps(store);
  if (sweeps.length > 0) groups.push({ test: SWEEPS_DIR, dirs: sweeps, verdict: sweepVerdict });
  for (const { test, dirs, verdict } of groups) {
    dirs.forEach((dir, i) => {
      const c: PruneCandidate = { dir, test, startMs: startOf(dir), valid: verdict(dir), bytes: 0 };
      let why = '';
      if (i === 0) why = 'newest of its test';
      else if (test === SWEEPS_DIR && sweepHolder(dir)) why = 'running';
      else if (o.keep !== undefined && i < o.keep) why = `among the newest ${o.keep}`;
      else if (o.days !== undefined && now - c.startMs < o.days * 86_400_000)
        why = `younger than ${o.days} days`;
      else if (c.valid === false && !o.pruneInvalid) why = 'invalid';
      if (why) plan.keep.push({ ...c, why });
      else plan.remove.push({ ...c, bytes: dirBytes(dir) });
    });
  }
  return plan;
}

/** Removes what the plan lets go of; a latest link never points at a removed run (the newest stays). */
export function applyPrune(plan: PrunePlan): void {
  for (const c of plan.remove) fs.rmSync(c.dir, { recursive: true, force: true });
}

/**
 * A sweep's record in the store, `<store>/sweeps/<start>/`, so that a sweep of hours loses nothing when it is
 * stopped or killed:
 *
 *   sweep.json       what was asked: the seeds (as given to --seeds), every seed's options but its seed
 *   verdicts.jsonl   one SeedVerdict per judged seed, appended as it comes (a kill loses only seeds in flight)
 *   summary.json     how it stands: counts, the failures and where each is stored, whether every seed ran
 *
 * `jitter sim --resume DIR` runs the seeds the record lacks, with the record's options, and appends to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { claimDir, runStamp, writeFileAtomic } from '../core/store.js';
import { JITTER_VERSION } from '../core/version.js';
import type { SimOptions } from './options.js';
import { parseSeeds, type SeedVerdict } from './sweep.js';

export const SWEEPS_DIR = 'sweeps';
const PLAN = 'sweep.json';
const VERDICTS = 'verdicts.jsonl';
const SUMMARY = 'summary.json';

export interface SweepPlan {
  /** The seeds, as given to --seeds (`1-10000`, `1,5,9-12`). */
  seeds: string;
  total: number;
  /** Every seed's options; each run replaces `seed`. */
  options: SimOptions;
  keepGoing: boolean;
  started: string;
  versions: { jitter: string; node: string };
}

export interface SweepSummary {
  seeds: number;
  judged: number;
  valid: number;
  invalid: number;
  unknown: number;
  /** Every seed not judged valid, in seed order, with the run folder of those stored. */
  failures: SeedVerdict[];
  /** Every seed was judged. */
  complete: boolean;
  /** Why the last session ended before the last seed: the first failure, or a signal. */
  stopped?: string;
  /** Wall time of every session together. */
  wallMs: number;
  updated: string;
}

export class SweepRecord {
  private constructor(
    readonly dir: string,
    readonly plan: SweepPlan,
    private readonly verdicts: Map<number, SeedVerdict>,
    private wallBefore: number,
  ) {}

  /** A new record under `<store>/sweeps/`, named by its start time. */
  static create(store: string, plan: Omit<SweepPlan, 'started' | 'versions' | 'total'>): SweepRecord {
    const now = new Date();
    const full: SweepPlan = {
      ...plan,
      total: parseSeeds(plan.seeds).length,
      started: now.toISOString(),
      versions: { jitter: JITTER_VERSION, node: process.version },
    };
    const dir = claimDir(path.join(store, SWEEPS_DIR, runStamp(now)));
    fs.writeFileSync(path.join(dir, PLAN), `${JSON.stringify(full, null, 2)}\n`);
    return new SweepRecord(dir, full, new Map(), 0);
  }

  /** An existing record; throws one line naming what is wrong with it. */
  static open(dir: string): SweepRecord {
    const planFile = path.join(dir, PLAN);
    if (!fs.existsSync(planFile)) throw new Error(`${dir} is not a sweep record (no ${PLAN})`);
    let plan: SweepPlan;
    try {
      plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as SweepPlan;
      parseSeeds(plan.seeds);
    } catch (err) {
      throw new Error(`${planFile}: ${(err as Error).message}`);
    }
    const verdicts = new Map<number, SeedVerdict>();
    const file = path.join(dir, VERDICTS);
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const line of text.split('\n')) {
        // A line cut short by a crash is a seed still to run.
        const v = parseVerdict(line);
        if (v) verdicts.set(v.seed, v);
      }
      // End that line, so that the next verdict starts one of its own.
      if (text.length > 0 && !text.endsWith('\n')) fs.appendFileSync(file, '\n');
    }
    const summaryFile = path.join(dir, SUMMARY);
    const wall = fs.existsSync(summaryFile)
      ? ((JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Partial<SweepSummary>).wallMs ?? 0)
      : 0;
    return new SweepRecord(dir, plan, verdicts, wall);
  }

  /** The store the record lives in (its failing runs are stored there too). */
  get store(): string {
    return path.dirname(path.dirname(this.dir));
  }

  get judged(): number {
    return this.verdicts.size;
  }

  /** Seeds judged and not valid. */
  get failed(): number {
    let n = 0;
    for (const v of this.verdicts.values()) if (v.valid !== true) n++;
    return n;
  }

  /** The plan's seeds not judged yet, in order. */
  remaining(): number[] {
    return parseSeeds(this.plan.seeds).filter((s) => !this.verdicts.has(s));
  }

  add(v: SeedVerdict): void {
    fs.appendFileSync(path.join(this.dir, VERDICTS), `${JSON.stringify(v)}\n`);
    this.verdicts.set(v.seed, v);
  }

  /** Writes summary.json for where the sweep stands after a session of `wallMs`. */
  finish(wallMs: number, stopped?: string): SweepSummary {
    const all = [...this.verdicts.values()].sort((a, b) => a.seed - b.seed);
    const count = (x: SeedVerdict['valid']) => all.filter((v) => v.valid === x).length;
    this.wallBefore += wallMs;
    const summary: SweepSummary = {
      seeds: this.plan.total,
      judged: all.length,
      valid: count(true),
      invalid: count(false),
      unknown: count('unknown'),
      failures: all.filter((v) => v.valid !== true),
      complete: all.length === this.plan.total,
      ...(stopped && all.length < this.plan.total ? { stopped } : {}),
      wallMs: Math.round(this.wallBefore),
      updated: new Date().toISOString(),
    };
    writeFileAtomic(path.join(this.dir, SUMMARY), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  }
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

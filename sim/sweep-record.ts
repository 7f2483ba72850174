/**
 * A sweep's record in the store (its layout: core/sweeps.ts), so that a sweep of hours loses nothing when it
 * is stopped or killed. `jitter sim --resume DIR` runs the seeds the record lacks, with the record's options,
 * and appends to it. A record is run by one process at a time: it holds sweep.lock until it finishes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimDir, readJsonFile, runStamp, writeFileAtomic } from '../core/store.js';
import {
  readVerdicts,
  type SeedVerdict,
  SWEEP_FILES,
  SWEEPS_DIR,
  type SweepHolder,
  type SweepPlan,
  type SweepSummary,
  sweepHolder,
  tally,
} from '../core/sweeps.js';
import { JITTER_VERSION } from '../core/version.js';
import type { SimOptions } from './options.js';
import { parseSeeds } from './sweep.js';

export class SweepRecord {
  private constructor(
    readonly dir: string,
    readonly plan: SweepPlan<SimOptions>,
    private readonly verdicts: Map<number, SeedVerdict>,
    private wallBefore: number,
  ) {}

  /** A new record under `<store>/sweeps/`, named by its start time. */
  static create(
    store: string,
    plan: Omit<SweepPlan<SimOptions>, 'started' | 'versions' | 'total'>,
  ): SweepRecord {
    const now = new Date();
    const full: SweepPlan<SimOptions> = {
      ...plan,
      total: parseSeeds(plan.seeds).length,
      started: now.toISOString(),
      versions: { jitter: JITTER_VERSION, node: process.version },
    };
    const dir = claimDir(path.join(store, SWEEPS_DIR, runStamp(now)));
    lock(dir);
    fs.writeFileSync(path.join(dir, SWEEP_FILES.plan), `${JSON.stringify(full, null, 2)}\n`);
    return new SweepRecord(dir, full, new Map(), 0);
  }

  /** An existing record, locked for this process; throws one line naming what is wrong with it. */
  static open(dir: string): SweepRecord {
    const planFile = path.join(dir, SWEEP_FILES.plan);
    if (!fs.existsSync(planFile)) throw new Error(`${dir} is not a sweep record (no ${SWEEP_FILES.plan})`);
    let plan: SweepPlan<SimOptions>;
    try {
      plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as SweepPlan<SimOptions>;
      parseSeeds(plan.seeds);
    } catch (err) {
      throw new Error(`${planFile}: ${(err as Error).message}`);
    }
    lock(dir);
    const verdicts = readVerdicts(dir);
    // End a line cut short by a crash, so that the next verdict starts one of its own.
    const file = path.join(dir, SWEEP_FILES.verdicts);
    const last = lastByte(file);
    if (last !== undefined && last !== 0x0a) fs.appendFileSync(file, '\n');
    const summary = readJsonFile<Partial<SweepSummary>>(path.join(dir, SWEEP_FILES.summary));
    return new SweepRecord(dir, plan, verdicts, summary?.wallMs ?? 0);
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
    fs.appendFileSync(path.join(this.dir, SWEEP_FILES.verdicts), `${JSON.stringify(v)}\n`);
    this.verdicts.set(v.seed, v);
  }

  /** Writes summary.json for where the sweep stands after a session of `wallMs`. */
  finish(wallMs: number, stopped?: string): SweepSummary {
    const t = tally(this.verdicts.values());
    this.wallBefore += wallMs;
    const summary: SweepSummary = {
      seeds: this.plan.total,
      ...t,
      complete: t.judged === this.plan.total,
      ...(stopped && t.judged < this.plan.total ? { stopped } : {}),
      wallMs: Math.round(this.wallBefore),
      updated: new Date().toISOString(),
    };
    writeFileAtomic(path.join(this.dir, SWEEP_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  }

  /** Lets another process run the record. */
  unlock(): void {
    const h = readJsonFile<SweepHolder>(path.join(this.dir, SWEEP_FILES.lock));
    if (h?.pid === process.pid) fs.rmSync(path.join(this.dir, SWEEP_FILES.lock), { force: true });
  }
}

function lastByte(file: string): number | undefined {
  if (!fs.existsSync(file)) return undefined;
  const size = fs.statSync(file).size;
  if (size === 0) return undefined;
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, size - 1);
    return b[0];
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Takes the record's lock for this process, or throws naming the process that holds it. The lock is made
 * aside and linked into place, so of two processes taking it at once exactly one succeeds.
 */
function lock(dir: string): void {
  const file = path.join(dir, SWEEP_FILES.lock);
  const mine: SweepHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (;;) {
    const held = sweepHolder(dir);
    if (held && held.pid !== process.pid) {
      throw new Error(
        `${dir} is being run by pid ${held.pid} on ${held.host} since ${held.since}` +
          ` (if that process is gone, delete ${SWEEP_FILES.lock})`,
      );
    }
    // Nobody live holds it: a stale lock goes, then ours is linked in (link fails if another got there). Two
    // processes clearing the same stale lock in the same instant could both win: the lock guards against a
    // second resume by mistake, not against that.
    if (fs.existsSync(file) && !held) fs.rmSync(file, { force: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(mine)}\n`);
    try {
      fs.linkSync(tmp, file);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
}

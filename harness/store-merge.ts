/**
 * `jitter store merge`: the stores of a sharded nightly (one per machine) made one. Run folders and sweep
 * records are copied in (one already there is kept), the shards' summaries of one night become one
 * summary.json and junit.xml under nightly/<night>/, other nightly summaries are copied as they are, and the
 * store index and trend page are rewritten.
 *
 * A joined summary keeps each shard's own summary under `parts`, so merging is incremental and idempotent:
 * shards merged by separate commands (machines finishing at different times) add up, a shard merged twice
 * counts once (the later run of it wins), and a merged store can itself be merged into another.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FILES } from '../core/store.js';
import { listSweeps, SWEEP_FILES, SWEEPS_DIR } from '../core/sweeps.js';
import { writeStoreIndex } from '../reports/index.js';
import { junitXml } from './junit.js';
import { type NightlySummary, type NightlyTestResult, toCase } from './nightly.js';
import { writeTrendPage } from './nightly-trend.js';

export interface MergeReport {
  runs: number;
  skippedRuns: number;
  /** Sweep records copied (a record already there is kept). */
  sweeps: number;
  nights: string[];
}

function copyRuns(src: string, dest: string, r: MergeReport): void {
  for (const t of fs.readdirSync(src, { withFileTypes: true })) {
    if (!t.isDirectory() || t.name === 'nightly' || t.name === SWEEPS_DIR) continue;
    for (const run of fs.readdirSync(path.join(src, t.name), { withFileTypes: true })) {
      const from = path.join(src, t.name, run.name);
      if (!run.isDirectory() || !fs.existsSync(path.join(from, FILES.test))) continue;
      const to = path.join(dest, t.name, run.name);
      if (fs.existsSync(to)) {
        r.skippedRuns++;
        continue;
      }
      fs.cpSync(from, to, { recursive: true });
      r.runs++;
    }
  }
}

/**
 * Sweep records, as they are: they name their stored runs relative to the store, and those runs came over
 * with the others. A lock stays behind, since its process runs the record in the source store.
 */
function copySweeps(src: string, dest: string, r: MergeReport): void {
  for (const from of listSweeps(src)) {
    const to = path.join(dest, SWEEPS_DIR, path.basename(from));
    if (fs.existsSync(to)) continue;
    fs.cpSync(from, to, {
      recursive: true,
      filter: (f) => path.basename(f) !== SWEEP_FILES.lock && !f.endsWith('.tmp'),
    });
    r.sweeps++;
  }
}

/** A run's folder as it is in the merged store: the same test and start, under dest. */
function rehome(t: NightlyTestResult, dest: string): NightlyTestResult {
  if (!t.dir) return t;
  const parts = t.dir.split(/[\\/]/).filter(Boolean);
  return { ...t, dir: path.join(dest, ...parts.slice(-2)) };
}

function writeNight(dir: string, summary: NightlySummary): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, 'junit.xml'),
    junitXml(`jitter ${summary.preset ?? 'nightly'}`, summary.tests.map(toCase)),
  );
}

const shardKey = (s: NightlySummary): string => (s.shard ? `${s.shard.index}/${s.shard.count}` : '');

/**
 * Shard summaries, one per shard (the latest started of those given for the same shard), in shard order. A
 * summary without a shard (a night joined before joins kept their parts) comes last.
 */
function distinctShards(shards: NightlySummary[]): NightlySummary[] {
  const by = new Map<string, NightlySummary>();
  for (const s of shards) {
    const had = by.get(shardKey(s));
    if (!had || s.started >= had.started) by.set(shardKey(s), s);
  }
  const order = (s: NightlySummary) => (s.shard ? s.shard.count * 10_001 + s.shard.index : Infinity);
  return [...by.values()].sort((a, b) => order(a) - order(b));
}

/**
 * One night's shard summaries as one, keeping each under `parts`; a shard given twice counts once, and a test
 * run by two shards counts once (its result in the lower shard).
 */
export function joinShards(night: string, given: NightlySummary[]): NightlySummary {
  const shards = distinctShards(given);
  const seen = new Set<string>();
  const tests: NightlyTestResult[] = [];
  for (const s of shards) {
    for (const t of s.tests) {
      if (seen.has(t.name)) continue;
      seen.add(t.name);
      tests.push(t);
    }
  }
  tests.sort((a, b) => a.name.localeCompare(b.name));
  const first = shards[0]!;
  return {
    ...(first.preset ? { preset: first.preset } : {}),
    ...(first.matrix ? { matrix: first.matrix } : {}),
    night,
    started: shards.map((s) => s.started).sort()[0]!,
    seconds: Math.max(...shards.map((s) => s.seconds)),
    budgetSeconds: Math.max(...shards.map((s) => s.budgetSeconds)),
    tests,
    passed: tests.filter((r) => r.valid !== 'skipped' && r.passed).length,
    failed: tests.filter((r) => !r.passed).length,
    skipped: tests.filter((r) => r.valid === 'skipped').length,
    parts: shards,
  };
}

/** The shard summaries a summary stands for: its parts if it is a join, itself if it is a shard's. */
function shardsOf(s: NightlySummary): NightlySummary[] {
  if (s.parts) return s.parts.map(({ parts: _p, ...part }) => part);
  return s.shard ? [s] : [];
}

function readSummary(file: string): NightlySummary | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as NightlySummary;
  } catch {
    return null;
  }
}

export async function mergeStores(dest: string, sources: string[]): Promise<MergeReport> {
  const report: MergeReport = { runs: 0, skippedRuns: 0, sweeps: 0, nights: [] };
  fs.mkdirSync(dest, { recursive: true });
  const destNightly = path.join(dest, 'nightly');
  const byNight = new Map<string, NightlySummary[]>();
  const add = (night: string, shards: NightlySummary[]) => {
    if (shards.length === 0) return;
    byNight.set(night, [...(byNight.get(night) ?? []), ...shards]);
  };
  const unparted = new Map<string, NightlySummary>();
  // The merged store's own nights come first: what earlier merges joined, and any shard run into it.
  const others = sources.filter((src) => path.resolve(src) !== path.resolve(dest));
  for (const src of [dest, ...others]) {
    if (src !== dest) {
      copyRuns(src, dest, report);
      copySweeps(src, dest, report);
    }
    const nightly = path.join(src, 'nightly');
    if (!fs.existsSync(nightly)) continue;
    for (const d of fs.readdirSync(nightly, { withFileTypes: true })) {
      const file = path.join(nightly, d.name, 'summary.json');
      if (!d.isDirectory() || !fs.existsSync(file)) continue;
      const s = readSummary(file);
      if (!s) continue;
      const rehomed = (x: NightlySummary): NightlySummary => ({
        ...x,
        tests: x.tests.map((t) => rehome(t, dest)),
      });
      if (s.night && (s.shard || s.parts)) {
        add(s.night, shardsOf(s).map(rehomed));
      } else if (s.night && src === dest && d.name === s.night) {
        // A night joined here before joins kept their parts: what it holds stays, as one part.
        unparted.set(s.night, rehomed(s));
      } else if (src !== dest && !fs.existsSync(path.join(destNightly, d.name, 'summary.json'))) {
        writeNight(path.join(destNightly, d.name), rehomed(s));
      }
    }
  }
  for (const [night, shards] of byNight) {
    const old = unparted.get(night);
    const joined = joinShards(night, old ? [...shards, old] : shards);
    writeNight(path.join(destNightly, night), joined);
    // The shard summaries now live in the joined one; left in place they would show as nights of their own.
    for (const s of joined.parts ?? []) {
      if (!s.shard) continue;
      const own = path.join(destNightly, `${night}-shard-${s.shard.index}-of-${s.shard.count}`);
      fs.rmSync(own, { recursive: true, force: true });
    }
    report.nights.push(night);
  }
  writeTrendPage(destNightly);
  await writeStoreIndex(dest);
  return report;
}

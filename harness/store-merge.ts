/**
 * `jitter store merge`: the stores of a sharded nightly (one per machine) made one. Run folders are copied
 * in (a folder already there is kept), the shards' summaries of one night become one summary.json and
 * junit.xml under nightly/<night>/, other nightly summaries are copied as they are, and the store index and
 * trend page are rewritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FILES } from '../core/store.js';
import { writeStoreIndex } from '../reports/index.js';
import { junitXml } from './junit.js';
import { type NightlySummary, type NightlyTestResult, toCase } from './nightly.js';
import { writeTrendPage } from './nightly-trend.js';

export interface MergeReport {
  runs: number;
  skippedRuns: number;
  nights: string[];
}

function copyRuns(src: string, dest: string, r: MergeReport): void {
  for (const t of fs.readdirSync(src, { withFileTypes: true })) {
    if (!t.isDirectory() || t.name === 'nightly') continue;
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

/** One night's shard summaries as one; a test run by two shards counts once (its first result). */
export function joinShards(night: string, shards: NightlySummary[]): NightlySummary {
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
  };
}

export async function mergeStores(dest: string, sources: string[]): Promise<MergeReport> {
  const report: MergeReport = { runs: 0, skippedRuns: 0, nights: [] };
  fs.mkdirSync(dest, { recursive: true });
  const byNight = new Map<string, NightlySummary[]>();
  for (const src of sources) {
    if (path.resolve(src) !== path.resolve(dest)) copyRuns(src, dest, report);
    const nightly = path.join(src, 'nightly');
    if (!fs.existsSync(nightly)) continue;
    for (const d of fs.readdirSync(nightly, { withFileTypes: true })) {
      const file = path.join(nightly, d.name, 'summary.json');
      if (!d.isDirectory() || !fs.existsSync(file)) continue;
      const s = JSON.parse(fs.readFileSync(file, 'utf8')) as NightlySummary;
      const rehomed = { ...s, tests: s.tests.map((t) => rehome(t, dest)) };
      if (s.shard && s.night) {
        const list = byNight.get(s.night) ?? [];
        list.push(rehomed);
        byNight.set(s.night, list);
      } else if (!fs.existsSync(path.join(dest, 'nightly', d.name, 'summary.json'))) {
        writeNight(path.join(dest, 'nightly', d.name), rehomed);
      }
    }
  }
  for (const [night, shards] of byNight) {
    writeNight(path.join(dest, 'nightly', night), joinShards(night, shards));
    // The shard summaries now live in the joined one; left in place they would show as nights of their own.
    for (const s of shards) {
      if (!s.shard) continue;
      const own = path.join(dest, 'nightly', `${night}-shard-${s.shard.index}-of-${s.shard.count}`);
      fs.rmSync(own, { recursive: true, force: true });
    }
    report.nights.push(night);
  }
  writeTrendPage(path.join(dest, 'nightly'));
  await writeStoreIndex(dest);
  return report;
}

/**
 * The store: every run in its own folder, re-analysable and reproducible.
 *
 *   store/
 *     index.html                      the store browser (reports/)
 *     latest -> <test-name>/<start>   link to the newest run
 *     <test-name>/
 *       latest -> <start>
 *       <start>/                      start time, e.g. 20261124T033000.123Z
 *         test.json                   RunRecord: full config, seed, versions, Toxiproxy used, schedule
 *         history.jsonl               one Op (core/history.ts) per line, written as it happens
 *         history.edn                 the same history in Jepsen's EDN
 *         replicas/<id>.log           each replica's stdout/stderr (JSON lines, see jitpaxos/PROTOCOL.md)
 *         nodes/<id>/...              each node's own data (JIT Paxos: its write-ahead log), gzipped after the run
 *         dumps.jsonl                 replica log dumps: deltas during the run, whole when rewritten and at the end
 *                                     (checkers/dump-stream.ts)
 *         results.json                RunResults: the composed verdict and every checker's result
 *         report.html                 the report (reports/)
 *     nightly/<start>/                summary.json and junit.xml of a `jitter nightly` (harness/nightly.ts)
 *     sweeps/<start>/                 a `jitter sim --seeds` sweep's record (core/sweeps.ts)
 */
import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { CheckResult, Verdict } from './verdict.js';

export const FILES = {
  test: 'test.json',
  history: 'history.jsonl',
  historyEdn: 'history.edn',
  dumps: 'dumps.jsonl',
  results: 'results.json',
  report: 'report.html',
  replicasDir: 'replicas',
} as const;

/** What test.json holds. */
export interface RunRecord {
  name: string;
  /** ISO time the run started, and the same instant in ms since the epoch. */
  start: string;
  startMs: number;
  /** The full, validated test configuration (harness/config.ts). */
  config: Record<string, unknown>;
  seed: number;
  versions: { jitter: string; node: string; platform: string };
  toxiproxy: { kind: string; version: string; url: string; command?: string };
  /** Replica ids, addresses and proxy names. */
  cluster: {
    replicas: string[];
    proxies: Array<{ name: string; listen: string; upstream: string }>;
  };
  /** The fault schedule as planned from the seed (replayable by `jitter repro`). */
  schedule?: unknown;
  /** Set when this run reproduces another: the original's folder. */
  reproduces?: string;
  /** Filled in when the run ends. */
  end?: string;
  durationMs?: number;
  /** Why the run ended early, if it did (signal, error). */
  interrupted?: string;
  /** The first anomaly an incremental check (--check-every) found, and whether it ended the main phase. */
  anomaly?: { atMs: number; reason: string; stopped: boolean };
}

/** What results.json holds. */
export interface RunResults {
  valid: Verdict;
  /** Each checker's result (each checker extends CheckResult with its own detail), by name. */
  checkers: Record<string, CheckResult>;
  ops: { total: number; ok: number; fail: number; info: number };
  /** Wall time spent checking. */
  checkMs: number;
}

export function runStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '');
}

/**
 * mkdir -p that fails with a clear message. Node's recursive mkdir spins forever under some read-only
 * file systems (a store under /proc hung `jitter test`), so the missing parts are made one at a time.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  if (!fs.statSync(at).isDirectory()) throw new Error(`cannot create ${dir}: ${at} is not a folder`);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EEXIST') throw new Error(`cannot create ${dir}: ${e.code ?? e.message}`);
    }
  }
}

/**
 * A new folder at `dir`, or at `dir-1`, `dir-2`... when that is taken: claimed with a plain mkdir, so that
 * writers starting in the same millisecond (a sweep's worker threads) never share one.
 */
export function claimDir(dir: string): string {
  makeDirs(path.dirname(dir));
  for (let i = 0; ; i++) {
    const d = i === 0 ? dir : `${dir}-${i}`;
    try {
      fs.mkdirSync(d);
      return d;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EEXIST') throw new Error(`cannot create ${d}: ${e.code ?? e.message}`);
    }
  }
}

/** A name beside `file` that no other writer (process or thread) uses at the same time. */
const aside = (file: string): string => `${file}.${process.pid}-${threadId}.tmp`;

/**
 * Write then rename, so that a reader (a browser, `jitter serve`, a resuming sweep) never sees half a file, and
 * writers at once never rename each other's half-written copy.
 */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = aside(file);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** `to` relative to `from`, with `/` between parts on every platform: how records and pages name a run. */
export function relativePath(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/');
}

/** A JSON file's value, or null when it is missing or does not parse (a run killed while writing it). */
export function readJsonFile<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** A run's folder, created on construction. */
export class RunDir {
  constructor(readonly dir: string) {
    makeDirs(path.join(dir, FILES.replicasDir));
  }

  /** A new folder for a run of test `name`, named by its start (claimDir: never one another run has). */
  static create(store: string, name: string, start: Date): RunDir {
    return new RunDir(claimDir(path.join(store, name, runStamp(start))));
  }

  file(name: keyof typeof FILES): string {
    return path.join(this.dir, FILES[name]);
  }

  replicaLog(id: string): string {
    return path.join(this.dir, FILES.replicasDir, `${id}.log`);
  }

  writeJson(name: 'test' | 'results', value: unknown): void {
    writeFileAtomic(this.file(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  readJson<T>(name: 'test' | 'results'): T {
    return JSON.parse(fs.readFileSync(this.file(name), 'utf8')) as T;
  }

  /**
   * Point store/latest and store/<name>/latest at this run (relative links, so the store can move). Each link
   * is made aside and renamed over the old one: writers at once (a sweep's workers) never find it missing or
   * trip over each other's.
   */
  linkLatest(store: string, name: string): void {
    const relink = (link: string, target: string) => {
      const tmp = aside(link);
      fs.rmSync(tmp, { force: true });
      fs.symlinkSync(target, tmp);
      fs.renameSync(tmp, link);
    };
    relink(path.join(store, name, 'latest'), path.basename(this.dir));
    relink(path.join(store, 'latest'), path.relative(store, this.dir));
  }
}

/** Every run folder in a store (those with a test.json), newest first. */
export function listRuns(store: string): string[] {
  if (!fs.existsSync(store)) return [];
  const runs: string[] = [];
  for (const name of fs.readdirSync(store, { withFileTypes: true })) {
    if (!name.isDirectory()) continue;
    const testDir = path.join(store, name.name);
    for (const run of fs.readdirSync(testDir, { withFileTypes: true })) {
      if (run.isDirectory() && fs.existsSync(path.join(testDir, run.name, FILES.test))) {
        runs.push(path.join(testDir, run.name));
      }
    }
  }
  return runs.sort((a, b) => path.basename(b).localeCompare(path.basename(a)));
}

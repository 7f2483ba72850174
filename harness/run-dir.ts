/** Reading a stored run back: its record, history and dumps, as `analyze` and `repro` need them. */
import fs from 'node:fs';
import path from 'node:path';
import type { StoredRecord } from '../checkers/dump-stream.js';
import type { Op } from '../core/history.js';
import { FILES, type RunRecord } from '../core/store.js';
import { getSystem } from '../systems/index.js';
import { makeWorkload, type WorkloadName } from '../workloads/index.js';
import { readDumps } from './analyze.js';
import type { TestConfig } from './config.js';
import { jsonLinesOf } from './jsonl-stream.js';

export interface StoredRun {
  dir: string;
  record: RunRecord;
  config: TestConfig;
  /** history.jsonl, read from the file each time it is iterated (not validated: see validateJsonlFile). */
  history: Iterable<Op>;
  historyFile: string;
  /** Read from the file each time it is iterated. */
  dumps: Iterable<StoredRecord>;
  model: string;
  checkers: readonly string[];
}

export function isRunDir(p: string): boolean {
  return fs.existsSync(path.join(p, FILES.test));
}

export function loadRun(dir: string): StoredRun {
  const file = path.join(dir, FILES.test);
  if (!fs.existsSync(file)) throw new Error(`${dir} is not a run folder (no ${FILES.test})`);
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
  const config = storedConfig(record.config);
  const workload = makeWorkload(config.workload as WorkloadName, { keys: config.keys });
  const historyFile = path.join(dir, FILES.history);
  return {
    dir,
    record,
    config,
    history: jsonLinesOf<Op>(historyFile),
    historyFile,
    dumps: readDumps(path.join(dir, FILES.dumps)),
    model: workload.model,
    checkers: [...workload.checkers, ...(getSystem(config.system)?.checkers ?? [])],
  };
}

/**
 * A stored config as a TestConfig. Runs stored before systems were plugins kept the system's description
 * (an object) under `system`, and were all JIT Paxos runs; their config says so once read back.
 */
export function storedConfig(stored: Record<string, unknown>): TestConfig {
  // The descriptions are the run's record, not its config: a re-run writes its own.
  const { system, systemInfo: _s, workloadInfo: _w, ...rest } = stored;
  return { ...rest, system: typeof system === 'string' ? system : 'jitpaxos' } as TestConfig;
}

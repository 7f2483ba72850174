/**
 * `jitter analyze` streams a run's history.jsonl to the checkers: its results equal those of the same
 * checkers given the whole history as an array, on synthetic runs valid and broken, with faults.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistoryFile } from '../checkers/index.js';
import { readReplicaStateEvents } from '../checkers/replica-state.js';
import { FILES } from '../core/store.js';
import { analyze } from '../harness/analyze.js';
import { analyzePath } from '../harness/analyze-command.js';
import { loadRun } from '../harness/run-dir.js';
import { synthRun } from '../reports/synth.js';
import { getSystem } from '../systems/index.js';

let store: string;
beforeAll(() => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-analyze-stream-'));
});
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

/** Results without timings. */
function timeless(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'ms' || k === 'checkMs' ? undefined : v)));
}

describe('analyze of a streamed history', () => {
  it.each([
    { name: 'valid', opts: { faults: true } },
    { name: 'invalid', opts: { faults: true, invalid: true, commitViolation: true } },
    { name: 'timeouts', opts: { infoRate: 0.05 } },
  ])('$name: the same results as from the whole history', ({ name, opts }) => {
    const dir = synthRun(store, { ops: 1500, processes: 6, check: false, name, ...opts });
    // A step budget keeps hard searches short; being deterministic, it stops both at the same point.
    const maxSteps = 200_000;
    const streamed = analyzePath(dir, { maxSteps }).results;
    const run = loadRun(dir);
    const whole = analyze({
      history: readHistoryFile(path.join(dir, FILES.history), 'jsonl').history,
      dumps: run.dumps,
      replicas: run.record.cluster.replicas,
      model: run.model,
      checkers: run.checkers,
      replicaEvents: readReplicaStateEvents(path.join(dir, FILES.replicasDir)),
      logChecksum: getSystem(run.config.system)?.logChecksum,
      maxSteps,
    });
    expect(timeless(streamed)).toEqual(timeless(whole));
    if (name === 'invalid') expect(streamed.valid).toBe(false);
  });

  it('refuses a malformed history with the line named, as before', () => {
    const dir = synthRun(store, { ops: 50, check: false, name: 'malformed' });
    const file = path.join(dir, FILES.history);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"type":"', '"type":"x');
    fs.writeFileSync(file, lines.join('\n'));
    expect(() => analyzePath(dir)).toThrow(/history\.jsonl:4: field "type"/);
  });
});

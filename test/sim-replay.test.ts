/** The simulator: a seed replays byte for byte, every fault and mode runs, and the world is seeded only. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzePath } from '../harness/analyze-command.js';
import { ALL_SIM_FAULTS, simDefaults } from '../sim/options.js';
import { runSim } from '../sim/run.js';
import { WALL_FILE, writeSimRun } from '../sim/store.js';
import { judgeSeed } from '../sim/sweep.js';

/** Every file of a run folder (relative path -> bytes), but the wall-clock one. */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name !== WALL_FILE) out.set(path.relative(dir, p), fs.readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

describe('jitter sim', () => {
  it('replays a seed byte for byte, with every fault on', () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-sim-'));
    const o = { ...simDefaults(7), timeLimit: 12, nemesis: ALL_SIM_FAULTS, nemesisInterval: 1 };
    const a = writeSimRun(store, runSim(o));
    const b = writeSimRun(store, runSim(o));
    expect(a).not.toBe(b);
    const fa = files(a);
    const fb = files(b);
    expect([...fa.keys()].sort()).toEqual([...fb.keys()].sort());
    expect(fa.size).toBeGreaterThanOrEqual(8);
    for (const [name, bytes] of fa) expect(fb.get(name), name).toBe(bytes);
    // The schedule is recorded, and the faults acted in the history.
    const test = JSON.parse(fa.get('test.json')!) as { schedule: unknown[] };
    expect(test.schedule.length).toBeGreaterThan(5);
    expect(fa.get('history.jsonl')).toContain('"process":"nemesis"');
    fs.rmSync(store, { recursive: true, force: true });
  });

  it('a stored run, re-checked from its files (dumps.jsonl as deltas), gets the verdicts it got in memory', () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-sim-'));
    const run = runSim({
      ...simDefaults(5),
      timeLimit: 12,
      dumpInterval: 1,
      nemesis: ALL_SIM_FAULTS,
      nemesisInterval: 1,
    });
    const dir = writeSimRun(store, run);
    const lines = fs.readFileSync(path.join(dir, 'dumps.jsonl'), 'utf8').trim().split('\n');
    expect(lines.some((l) => l.includes('"rows"'))).toBe(true);
    const { results } = analyzePath(dir);
    const verdicts = (r: typeof results) =>
      Object.fromEntries(Object.entries(r.checkers).map(([k, v]) => [k, v.valid]));
    expect(verdicts(results)).toEqual(verdicts(run.results));
    expect(results.checkers['replica-state']).toMatchObject({ valid: true });
    fs.rmSync(store, { recursive: true, force: true });
  });

  it('a stored run with checkpoints (compacted dumps) is re-checked from its files with its verdicts', () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-sim-'));
    const run = runSim({ ...simDefaults(100081), timeLimit: 20, dumpInterval: 1, snapshotEvery: 50 });
    expect(run.dumps.some((d) => d.compacted)).toBe(true);
    const dir = writeSimRun(store, run);
    const { results } = analyzePath(dir);
    const verdicts = (r: typeof results) =>
      Object.fromEntries(Object.entries(r.checkers).map(([k, v]) => [k, v.valid]));
    expect(verdicts(results)).toEqual(verdicts(run.results));
    fs.rmSync(store, { recursive: true, force: true });
  });

  it('a log that grows faster than the dumps read it keeps what they have not read: every compaction is vouched for', () => {
    // About 1,500 entries between two dumps 5 s apart, against a threshold of 2,000: without the reader's mark,
    // half the threshold behind the stable point is all that stays live, and dumps would lose sight of the rest.
    // No faults: a replica that lagged and installed a snapshot never showed that prefix (DESIGN §3).
    const run = runSim({
      ...simDefaults(1),
      nemesis: [],
      timeLimit: 60,
      dumpInterval: 5,
      snapshotEvery: 2000,
    });
    const compacted = run.dumps.filter((d) => d.compacted);
    expect(compacted.length).toBeGreaterThan(3);
    expect(compacted.filter((d) => !d.compacted!.seen)).toEqual([]);
  });

  it('a different seed is a different run', () => {
    const o = { ...simDefaults(1), timeLimit: 3 };
    const a = runSim(o);
    const b = runSim({ ...o, seed: 2 });
    expect(JSON.stringify(a.history)).not.toBe(JSON.stringify(b.history));
  });

  it('runs both modes and every flaw switch to a verdict', () => {
    const runs = [
      { mode: 'seed' as const, flaws: [] },
      ...['timestamp-tie', 'local-reads', 'no-durability', 'clock-skew'].map((f) => ({
        mode: 'fixed' as const,
        flaws: [f],
      })),
    ];
    for (const r of runs) {
      const run = runSim({ ...simDefaults(3), ...r, timeLimit: 4, nemesis: ['kill', 'partition'] });
      expect(run.results.ops.total, JSON.stringify(r)).toBeGreaterThan(50);
      expect([true, false, 'unknown']).toContain(run.results.valid);
    }
  });

  it('fixed mode with every fault stays valid on a few seeds', () => {
    for (const seed of [11, 12]) {
      const run = runSim({
        ...simDefaults(seed),
        timeLimit: 10,
        nemesis: ALL_SIM_FAULTS,
        nemesisInterval: 1,
      });
      expect(run.interrupted, `seed ${seed}`).toBeUndefined();
      expect(run.results.valid, `seed ${seed}`).toBe(true);
    }
  });

  it('a sweep judges a seed its small search budget left unknown again with the full one', async () => {
    const options = { ...simDefaults(11), timeLimit: 5 };
    // One step per key cannot place a history of hundreds of operations: unknown, on the sweep's budget alone.
    expect(runSim(options, { maxSteps: 1 }).results.valid).toBe('unknown');
    const v = await judgeSeed({ options, checkMaxSteps: 1 });
    expect(v.valid).toBe(true);
    expect(v.failed).toEqual([]);
  });
});

/** Checkers as plugins: the registry runs what a run names, and says unknown when it cannot judge. */
import { describe, expect, it } from 'vitest';
import {
  checkCommitConsistency,
  commitConsistencyChecker,
  getChecker,
  registerChecker,
  resultOf,
  runCheckers,
} from '../checkers/index.js';
import type { History, Op } from '../core/history.js';
import type { RunResults } from '../core/store.js';
import { firstAnomaly } from '../harness/anomaly.js';

const write = (index: number, time: number, type: Op['type'], value = 'x'): Op => ({
  index,
  time,
  type,
  process: 0,
  f: 'write',
  key: 'k',
  value,
});
const history: History = [write(0, 1_000_000_000, 'invoke'), write(1, 2_000_000_000, 'ok')];
const input = { history, dumps: [], replicas: ['r1'], model: 'jitter-kv' };

describe('checker registry', () => {
  it('registers the shipped checkers by name, in a stable order', () => {
    for (const name of ['linearizability', 'commit-consistency', 'stats', 'availability'])
      expect(getChecker(name)?.name).toBe(name);
    expect(Object.keys(runCheckers(['availability', 'stats', 'linearizability'], input))).toEqual([
      'linearizability',
      'stats',
      'availability',
    ]);
  });

  it('says unknown for a name nobody registered, and for a checker that throws', () => {
    registerChecker({
      name: 'test-throws',
      description: 'always throws',
      needs: [],
      kind: 'safety',
      check: () => {
        throw new Error('boom');
      },
    });
    const r = runCheckers(['no-such-checker', 'test-throws'], input);
    expect(r['no-such-checker']).toMatchObject({
      valid: 'unknown',
      reason: 'no checker named no-such-checker',
    });
    expect(r['test-throws']).toMatchObject({ valid: 'unknown', reason: 'checker threw: boom' });
  });

  it('says unknown when there is nothing to check: no client operations, no replica dumps', () => {
    const empty = runCheckers(['linearizability', 'stats', 'availability'], { ...input, history: [] });
    for (const r of Object.values(empty))
      expect(r).toMatchObject({ valid: 'unknown', reason: 'no client operations to check' });
    const cc = runCheckers(['commit-consistency'], input)['commit-consistency'];
    expect(cc).toMatchObject({ valid: 'unknown', reason: 'no replica log dumps to check' });
    // Called directly, too: agreement among commits is not a clean bill for the replicas' logs.
    expect(checkCommitConsistency({ history: [], dumps: [] }).valid).toBe('unknown');
    expect(checkCommitConsistency({ history, dumps: [] }).valid).toBe('unknown');
  });

  it("reads a stored result back in the checker's own shape", () => {
    const results = runCheckers(['commit-consistency'], input);
    expect(resultOf(commitConsistencyChecker, results)?.dumps).toBe(0);
  });

  it('dates the first anomaly from what each failing safety checker implicates', () => {
    registerChecker({
      name: 'test-implicates',
      description: 'fails, naming the ok write',
      needs: [],
      kind: 'safety',
      check: () => ({ checker: 'test-implicates', valid: false, reason: 'bad' }),
      implicated: (_r, h) => [h[1]!.time],
    });
    const checkers = runCheckers(['test-implicates', 'stats'], input);
    const results: RunResults = {
      valid: false,
      checkers,
      ops: { total: 1, ok: 1, fail: 0, info: 0 },
      checkMs: 0,
    };
    expect(firstAnomaly(results, history)).toEqual({
      firstS: 1,
      checkers: ['test-implicates'],
      reason: 'test-implicates: bad',
    });
  });
});

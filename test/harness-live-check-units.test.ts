/** --check-every's checks, without a cluster: LiveCheck asks the run's checkers that can judge a run as it goes. */
import { describe, expect, it } from 'vitest';
import type { Op } from '../core/history.js';
import { LiveCheck } from '../harness/live-check.js';

const op = (index: number, type: Op['type'], f: string, value: unknown, extra: Partial<Op> = {}): Op => ({
  index,
  time: (index + 1) * 1_000_000_000,
  type,
  process: 0,
  f,
  key: 'k',
  value,
  ...extra,
});
const commit = (index: number, client: string) =>
  op(index, 'ok', 'write', client, {
    commit: { view: 1, index: 1, checksum: client, client, req: 1, ts: index },
  });

describe('live checks', () => {
  it('name the first linearizability anomaly of the history so far', () => {
    const live = new LiveCheck({ checkers: ['stats', 'linearizability'], model: 'jitter-kv', replicas: [] });
    live.op(op(0, 'invoke', 'write', 'x'));
    live.op(op(1, 'ok', 'write', 'x'));
    expect(live.check()).toBeNull();
    live.op(op(2, 'invoke', 'read', null));
    live.op(op(3, 'ok', 'read', 'y'));
    expect(live.check()).toMatch(/^linearizability: /);
  });

  it('report commit agreement at once, but not durability before the final dumps', () => {
    const live = new LiveCheck({ checkers: ['commit-consistency'], model: 'jitter-kv', replicas: ['r1'] });
    live.op(commit(0, 'c1'));
    // One commit, no dump yet: nothing is missing mid-run.
    expect(live.check()).toBeNull();
    live.op(commit(1, 'c2'));
    expect(live.check()).toMatch(/^commit-consistency: agreement: index 1 committed twice/);
  });
});

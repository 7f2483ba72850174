/** Checker results as people read them: counts as tables, nanoseconds as seconds, the first violation explained. */
import { describe, expect, it } from 'vitest';
import type { RunResults } from '../core/store.js';
import { checkerViews } from '../reports/checker-view.js';

describe('checker views', () => {
  it('turns raw results into facts, tables and a first finding', () => {
    const results = {
      valid: false,
      ops: { total: 3, ok: 2, fail: 1, info: 0 },
      checkMs: 5,
      checkers: {
        'commit-consistency': {
          checker: 'commit-consistency',
          valid: false,
          commits: 1200,
          dumps: 9,
          counts: { inv: 2, agreement: 0, durability: 1, 'log-duplicate-request': 0, 'log-timestamps': 0 },
          violations: [
            { kind: 'inv', message: 'replica r2 holds c1#2@30 at index 2', takenAt: 61_969_802_390 },
          ],
        },
        availability: { checker: 'availability', valid: true, healedAt: 61_969_802_390, late: [] },
        stats: { checker: 'stats', valid: true, byF: { read: { ok: 5, fail: 1, info: 0 } } },
      },
    } as unknown as RunResults;
    const [cc, avail, stats] = checkerViews(results);
    expect(cc!.facts).toEqual([
      ['commits', '1,200'],
      ['dumps', '9'],
    ]);
    expect(cc!.tables[0]).toMatchObject({ caption: 'counts', head: ['', 'count'] });
    expect(cc!.tables[0]!.rows[0]).toEqual(['inv', '2']);
    expect(cc!.first).toContain('holds another entry where a commit was acknowledged');
    expect(cc!.first).toContain('at 62.0 s');
    expect(avail!.facts).toContainEqual(['healedAt', '62.0 s']);
    expect(avail!.first).toBeNull();
    expect(stats!.tables[0]).toEqual({
      caption: 'byF',
      head: ['', 'ok', 'fail', 'info'],
      rows: [['read', '5', '1', '0']],
    });
  });
});

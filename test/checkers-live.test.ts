/**
 * The incremental live linearizability check (only keys with a new definite completion are searched again)
 * against checking the history so far from scratch, at many points of every Porcupine corpus history.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../checkers/linearizability.js';
import { liveLinearizability } from '../checkers/live-linearizability.js';
import { readHistoryFile } from '../checkers/readers/index.js';
import { hist } from './checkers-helpers.js';

const CORPUS = join(import.meta.dirname, 'fixtures/porcupine');
const corpus: Array<{ file: string; model: string; linearizable: boolean }> = JSON.parse(
  readFileSync(join(CORPUS, 'EXPECTED.json'), 'utf8'),
).files;

describe('incremental live linearizability', () => {
  it.each(corpus)(
    '$file: flags an anomaly exactly when the history so far is not linearizable',
    ({ file, model, linearizable }) => {
      const { history } = readHistoryFile(join(CORPUS, file));
      const live = liveLinearizability({ model, replicas: [] });
      // Checks at uneven points, the last at the end.
      const points = new Set([1, 2, 3, 5, 8, 13, 21].map((k) => Math.ceil((history.length * k) / 21)));
      let fed = 0;
      for (const point of [...points].sort((a, b) => a - b)) {
        while (fed < point) live.op(history[fed++]!);
        const fromScratch = checkHistory(history.slice(0, point), { model });
        expect(live.anomaly() !== null, `after ${point} events`).toBe(fromScratch.valid === false);
      }
      expect(live.anomaly() === null).toBe(linearizable);
    },
    // Eight searches of the larger corpus histories: about 10 s on an idle core, 27 s on a loaded one.
    120_000,
  );

  it('flags a key once its wrong result completes, not while it is pending, and keeps the anomaly', () => {
    const live = liveLinearizability({ model: 'jitter-kv', replicas: [] });
    const events = hist([
      [0, 'invoke', 'write', 'x', 'a'],
      [0, 'ok', 'write', 'x', 'a'],
      [1, 'invoke', 'read', null, 'b'],
      [1, 'ok', 'read', null, 'b'],
    ]);
    for (const ev of events) live.op(ev);
    expect(live.anomaly()).toBeNull();
    // A pending read on key a cannot make it fail; its wrong result does, once it completes.
    live.op({ index: 4, time: 5000, type: 'invoke', process: 2, f: 'read', key: 'a', value: null });
    expect(live.anomaly()).toBeNull();
    live.op({ index: 5, time: 6000, type: 'ok', process: 2, f: 'read', key: 'a', value: 'y' });
    expect(live.anomaly()).toMatch(/key a/);
    // An anomaly stays found.
    expect(live.anomaly()).toMatch(/key a/);
  });
});

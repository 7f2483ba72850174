/** Every Porcupine corpus history gets the verdict of EXPECTED.json under the model named there. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../checkers/linearizability.js';
import { readHistoryFile } from '../checkers/readers/index.js';

const CORPUS = join(import.meta.dirname, 'fixtures/porcupine');
interface Expected {
  file: string;
  model: string;
  linearizable: boolean;
  ops: number;
}
const expected: Expected[] = JSON.parse(readFileSync(join(CORPUS, 'EXPECTED.json'), 'utf8')).files;

describe('porcupine corpus', () => {
  it('lists the 109 files the README describes', () => {
    expect(expected.length).toBe(109);
  });
  it.each(expected)(
    '$file is linearizable=$linearizable under $model',
    ({ file, model, linearizable, ops }) => {
      const { history } = readHistoryFile(join(CORPUS, file));
      const result = checkHistory(history, { model, timeoutMs: 20_000 });
      expect(result.ops).toBe(ops);
      expect(result.valid).toBe(linearizable);
      if (!linearizable) {
        // A failure must come with a counterexample whose prefix replays under the model.
        const cx = result.counterexample!;
        expect(cx).toBeDefined();
        expect(cx.op).not.toBeNull();
        expect(cx.prefix.map((p) => p.op.id)).not.toContain(cx.op!.id);
      }
    },
  );
});

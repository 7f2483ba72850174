/**
 * Shrunk simulated failures, replayed. Each test/sim-regressions/*.json (a `jitter shrink` regression.json)
 * must still fail its checkers: a flaw stays detectable. A failure of plain fixed mode is a protocol bug
 * not fixed yet (`knownBug`): expected to fail until the fix lands, when the test says so. Once fixed
 * (`fixedBy`), it stays in as a run that must be valid on every checker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSim } from '../sim/run.js';
import type { SimRegression } from '../sim/shrink-command.js';

const DIR = path.join(import.meta.dirname, 'sim-regressions');
const cases = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, r: JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as SimRegression }));

describe('simulated regressions', () => {
  it('has some', () => expect(cases.length).toBeGreaterThan(0));
  for (const { file, r } of cases) {
    if (r.fixedBy) {
      it(`${file} (fixed: ${r.fixedBy})`, () => {
        const run = runSim(r.options);
        const invalid = Object.entries(run.results.checkers).filter(([, v]) => v.valid !== true);
        expect(
          invalid.map(([k]) => k),
          r.description,
        ).toEqual([]);
      }, 120_000);
      continue;
    }
    const replay = () => {
      const run = runSim(r.options);
      const failing = r.checkers.filter((c) => run.results.checkers[c]?.valid === false);
      expect(failing, `${file}: ${r.description}`).toEqual(r.checkers);
    };
    if (r.knownBug) it.fails(`${file} (known protocol bug: ${r.knownBug})`, replay, 120_000);
    else it(file, replay, 120_000);
  }
});

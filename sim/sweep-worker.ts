/** A sweep's worker thread: runs the seeds it is sent, one at a time, and answers with each verdict. */
import { parentPort } from 'node:worker_threads';
import { runSim } from './run.js';
import { type SeedTask, type SeedVerdict, verdictOf } from './sweep.js';

parentPort?.on('message', (t: SeedTask | null) => {
  if (t === null) {
    parentPort?.close();
    return;
  }
  const v: SeedVerdict = verdictOf(runSim(t.options, { maxSteps: t.checkMaxSteps }));
  parentPort?.postMessage(v);
});

/** A sweep's worker thread: runs the seeds it is sent, one at a time, and answers with each verdict. */
import { parentPort } from 'node:worker_threads';
import type { SimOptions } from './options.js';
import { runSim } from './run.js';
import { type SeedVerdict, verdictOf } from './sweep.js';

parentPort?.on('message', (o: SimOptions | null) => {
  if (o === null) {
    parentPort?.close();
    return;
  }
  const v: SeedVerdict = verdictOf(runSim(o));
  parentPort?.postMessage(v);
});

/** A sweep's worker thread: runs the seeds it is sent, one at a time, and answers with each verdict. */
import { parentPort } from 'node:worker_threads';
import { judgeSeed, type SeedTask } from './sweep.js';

parentPort?.on('message', (t: SeedTask | null) => {
  if (t === null) {
    parentPort?.close();
    return;
  }
  parentPort?.postMessage(judgeSeed(t));
});

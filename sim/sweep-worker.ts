/** A sweep's worker thread: runs the seeds it is sent, one at a time, and answers with each verdict. */
import { parentPort } from 'node:worker_threads';
import { judgeSeed, type SeedTask } from './sweep.js';

// The sweep ends a worker by terminating it, so every message is a seed to run.
parentPort?.on('message', async (t: SeedTask) => {
  parentPort?.postMessage(await judgeSeed(t));
});

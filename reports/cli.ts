/** `jitter report RUN_DIR` and `jitter serve`. */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { dirArg, hostArg, intArg, listenError } from '../core/cli-util.js';
import { FILES } from '../core/store.js';
import { writeReport } from './report.js';
import { serveStore } from './serve.js';
import { writeStoreIndex } from './store-index.js';

export function reportCommand(): Command {
  return new Command('report')
    .description("rebuild a run's report.html from its folder (and the store's index.html with --store)")
    .argument('<run-dir>', 'a run folder of the store (holding test.json, history.jsonl, ...)')
    .option('--store <dir>', 'also rewrite this store index', dirArg('--store'))
    .action(async (runDir: string, opts: { store?: string }) => {
      if (!fs.existsSync(path.join(runDir, FILES.test)) && !fs.existsSync(path.join(runDir, FILES.history))) {
        console.error(`${runDir}: not a run folder (no ${FILES.test} or ${FILES.history})`);
        process.exitCode = 2;
        return;
      }
      console.log(await writeReport(runDir));
      if (opts.store) console.log(await writeStoreIndex(opts.store));
    });
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the store (index, reports, raw files) over HTTP')
    .option('--store <dir>', 'store folder', dirArg('--store'), 'store')
    .option('--port <n>', 'port (0: any free port)', intArg('--port', 0, 65535), 8080)
    .option('--host <addr>', 'address to bind', hostArg('--host'), '127.0.0.1')
    .option('--no-index', 'do not rewrite index.html first')
    .action(async (opts: { store: string; port: number; host: string; index: boolean }) => {
      // Listen first: a bad --host or --port must not leave an index written.
      const s = await serveStore({ store: opts.store, port: opts.port, host: opts.host }).catch((e) => {
        const flag = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? '--port' : '--host';
        throw listenError(flag, `${opts.host}:${opts.port}`, e);
      });
      if (opts.index) await writeStoreIndex(opts.store);
      console.log(`serving ${path.resolve(opts.store)} at ${s.url}`);
      const stop = () => void s.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

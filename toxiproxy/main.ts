/**
 * The embedded server as its own lean process, for the harness and the benchmark: `jitter toxiproxy` without the
 * rest of jitter's CLI loaded (a third of the memory). Same flags and the same listening line as that command.
 *   node dist/toxiproxy/main.js [--host H] [--port P] [--seed N] [--exit-with-parent]
 */
import { parseArgs } from 'node:util';
import { exitWithParent } from '../core/cli-util.js';
import { listeningLine, startServer } from './server.js';

function intFlag(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > max) {
    process.stderr.write(`toxiproxy: --${name} must be an integer from 0 to ${max}\n`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8474' },
    seed: { type: 'string' },
    'exit-with-parent': { type: 'boolean', default: false },
  },
});
const host = values.host!;
const port = intFlag('port', values.port, 65535)!;
const seed = intFlag('seed', values.seed, 2 ** 31 - 1);
let server: Awaited<ReturnType<typeof startServer>>;
try {
  server = await startServer({ host, port, seed });
} catch (e) {
  process.stderr.write(`toxiproxy: cannot listen on ${host}:${port}: ${(e as Error).message}\n`);
  process.exit(1);
}
const stop = () => server.close();
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => void stop().finally(() => process.exit(0)));
if (values['exit-with-parent']) exitWithParent(stop);
process.stdout.write(listeningLine(server));

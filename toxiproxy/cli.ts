/**
 * `jitter toxiproxy`: run the embedded Toxiproxy server standalone, so any Toxiproxy client can use it.
 * Prints one parseable line on stdout once listening:
 *   toxiproxy listening url=http://127.0.0.1:8474 port=8474 seed=42 version=2.12.0+jitter.0.1.0
 */
import { Command, Option } from 'commander';
import { exitWithParent, hostArg, intArg, listenError } from '../core/cli-util.js';
import { listeningLine, startServer } from './server.js';

export function toxiproxyCommand(): Command {
  return new Command('toxiproxy')
    .description('run the embedded Toxiproxy-compatible server (HTTP API of Toxiproxy 2.x)')
    .showHelpAfterError('(run with --help for usage)')
    .option(
      '--host <host>',
      'address to listen on (loopback unless you say otherwise)',
      hostArg('--host'),
      '127.0.0.1',
    )
    .option('--port <port>', 'API port; 0 picks a free one', intArg('--port', 0, 65535), 8474)
    .option(
      '--seed <n>',
      'seed for toxicity, jitter and slicing (random if absent)',
      intArg('--seed', 0, 2 ** 31 - 1),
    )
    .addOption(
      new Option(
        '--exit-with-parent',
        'exit when stdin closes or the parent process dies (for harness use)',
      ).hideHelp(),
    )
    .action(async (opts: { host: string; port: number; seed?: number; exitWithParent?: boolean }) => {
      const server = await startServer({ host: opts.host, port: opts.port, seed: opts.seed }).catch((e) => {
        // One line naming the flag. A port in use is the machine's state, not bad input: exit 1, as before;
        // an address that cannot work is a usage error: exit 2 (runCli), like every other command's.
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE')
          throw listenError('--host', `${opts.host}:${opts.port}`, e);
        process.stderr.write(`error: ${listenError('--port', `${opts.host}:${opts.port}`, e).message}\n`);
        process.exit(1);
      });
      const stop = () => server.close();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.once(sig, () => void stop().finally(() => process.exit(0)));
      }
      if (opts.exitWithParent) exitWithParent(stop);
      process.stdout.write(listeningLine(server));
    });
}

/** Parse the line printed above; undefined if `line` is not it. */
export function parseListeningLine(
  line: string,
): { url: string; port: number; seed: number; version: string } | undefined {
  const m = /^toxiproxy listening url=(\S+) port=(\d+) seed=(\d+) version=(\S+)$/.exec(line.trim());
  if (!m) return undefined;
  return { url: m[1]!, port: Number(m[2]), seed: Number(m[3]), version: m[4]! };
}

/** `jitter replica` (one replica process) and `jitter cluster` (a local cluster in the foreground). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { dirArg, exitWithParent, hostPortArg, intArg, listenError, parseHostPort } from '../core/cli-util.js';
import { JitClient } from './client.js';
import { LocalCluster } from './cluster.js';
import { ALL_FLAWS, type Flaw, isFlaw, type Mode } from './config.js';
import { type Address, ReplicaProcess } from './replica.js';

const ID = /^[A-Za-z0-9_.]+$/;

function flawArg(value: string, previous: Flaw[] = []): Flaw[] {
  if (!isFlaw(value))
    throw new InvalidArgumentError(`unknown flaw "${value}"; known: ${ALL_FLAWS.join(', ')}.`);
  return [...previous, value];
}

function peerArg(value: string, previous: Record<string, Address> = {}): Record<string, Address> {
  const eq = value.indexOf('=');
  const id = value.slice(0, eq);
  if (eq < 1 || !ID.test(id)) throw new InvalidArgumentError(`--peer must be ID=host:port (got "${value}").`);
  if (previous[id]) throw new InvalidArgumentError(`--peer ${id} given twice.`);
  return { ...previous, [id]: parseHostPort('--peer', value.slice(eq + 1)) };
}

const modeOption = () =>
  new Option('--mode <mode>', 'protocol mode: the seed as written, or the fixed protocol')
    .choices(['fixed', 'seed'])
    .default('fixed');
const flawOption = () =>
  new Option(
    '--flaw <name>',
    `turn one seed flaw back on in fixed mode (repeatable): ${ALL_FLAWS.join(', ')}`,
  ).argParser(flawArg);

export function replicaCommand(): Command {
  return new Command('replica')
    .description('run one JIT Paxos replica process')
    .showHelpAfterError('(run with --help for usage)')
    .requiredOption('--id <id>', 'this replica id (replicas are ordered by id)')
    .requiredOption(
      '--listen <host:port>',
      'address for clients and peers to connect to',
      hostPortArg('--listen'),
    )
    .option('--peer <id=host:port>', 'another replica and the address to dial it at (repeatable)', peerArg)
    .requiredOption(
      '--admin <host:port>',
      'admin HTTP address (status, log dump, shutdown)',
      hostPortArg('--admin'),
    )
    .requiredOption('--data-dir <dir>', 'where the durable log and view state live', dirArg('--data-dir'))
    .addOption(modeOption())
    .addOption(flawOption())
    .option(
      '--no-fsync',
      'write the log without fsync (faster; a machine crash can lose acknowledged entries)',
    )
    .option('--heartbeat-ms <ms>', 'primary heartbeat interval', intArg('--heartbeat-ms', 1, 60_000))
    .option(
      '--election-ms <ms>',
      'silence after which a backup starts a view change',
      intArg('--election-ms', 1, 600_000),
    )
    .option(
      '--snapshot-every <n>',
      'fixed mode: compact the log once this many entries past the last snapshot are held by the whole quorum',
      intArg('--snapshot-every', 1, 1_000_000_000),
    )
    .option('--exit-with-parent', 'exit when stdin closes or the parent dies (for harness use)')
    .action(async (o, cmd: Command) => {
      o.peer ??= {};
      if (!ID.test(o.id)) cmd.error(`error: --id must match ${ID}.`);
      if (o.peer[o.id]) cmd.error(`error: --peer ${o.id} is this replica itself.`);
      const log = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
      const replica = await ReplicaProcess.start(
        {
          id: o.id,
          listen: o.listen,
          peers: o.peer,
          admin: o.admin,
          dataDir: o.dataDir,
          mode: o.mode as Mode,
          flaws: o.flaw ?? [],
          fsync: o.fsync,
          timing: {
            ...(o.heartbeatMs ? { heartbeatMs: o.heartbeatMs } : {}),
            ...(o.electionMs ? { electionMs: o.electionMs } : {}),
            ...(o.snapshotEvery ? { snapshotEvery: o.snapshotEvery } : {}),
          },
          log,
        },
        () => process.exit(0),
      ).catch((err: NodeJS.ErrnoException & { hostname?: string; address?: string; port?: number }) => {
        // Name the flag whose address or folder did not work (one line, exit 2 through runCli).
        for (const [flag, a] of [
          ['--listen', o.listen],
          ['--admin', o.admin],
        ] as const)
          if (err.hostname === a.host || (err.address === a.host && err.port === a.port))
            throw listenError(flag, `${a.host}:${a.port}`, err);
        if (err.path?.startsWith(o.dataDir)) throw new Error(`--data-dir: ${err.path}: ${err.code}`);
        throw err;
      });
      const stop = () => replica.stop();
      for (const sig of ['SIGINT', 'SIGTERM'] as const)
        process.once(sig, () => void stop().finally(() => process.exit(0)));
      if (o.exitWithParent) exitWithParent(stop);
      log({ t: Date.now(), replica: o.id, event: 'listening', ...replica.ports });
    });
}

export function clusterCommand(): Command {
  return new Command('cluster')
    .description('start a local JIT Paxos cluster in the foreground (Ctrl-C stops it)')
    .showHelpAfterError('(run with --help for usage)')
    .option('--replicas <n>', 'number of replicas', intArg('--replicas', 1, 15), 3)
    .addOption(modeOption())
    .addOption(flawOption())
    .option('--no-fsync', 'replicas write without fsync')
    .option('--dir <dir>', 'data dirs and logs (default: a new temp dir)', dirArg('--dir'))
    .option(
      '--load <seconds>',
      'run a client load for this long, print what committed, then stop',
      intArg('--load', 1, 3600),
    )
    .option('--clients <n>', 'concurrent clients for --load', intArg('--clients', 1, 256), 8)
    .action(async (o) => {
      const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-cluster-'));
      const cluster = await LocalCluster.create({
        replicas: o.replicas,
        mode: o.mode as Mode,
        flaws: o.flaw ?? [],
        fsync: o.fsync,
        dir,
      });
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        process.stderr.write('stopping cluster...\n');
        await cluster.stopAll();
      };
      process.once('SIGINT', () => void stop().then(() => process.exit(130)));
      process.once('SIGTERM', () => void stop().then(() => process.exit(143)));
      await cluster.startAll();
      process.stdout.write(
        `cluster of ${o.replicas} (${o.mode} mode${o.flaw?.length ? `, flaws ${o.flaw.join(',')}` : ''}) in ${dir}\n`,
      );
      for (const n of cluster.nodes) {
        process.stdout.write(
          `  ${n.id}  listen ${n.listen.host}:${n.listen.port}  admin http://${n.admin.host}:${n.admin.port}/status  pid ${cluster.pid(n.id)}  log ${n.logFile}\n`,
        );
      }
      if (!o.load) {
        process.stdout.write('Ctrl-C to stop.\n');
        return;
      }
      const summary = await runLoad(cluster, o.mode as Mode, o.flaw ?? [], o.clients, o.load * 1000);
      process.stdout.write(`${summary}\n`);
      await stop();
    });
}

/** A short closed-loop load of writes, reads and compare-and-sets on a few keys. */
async function runLoad(
  cluster: LocalCluster,
  mode: Mode,
  flaws: string[],
  clients: number,
  ms: number,
): Promise<string> {
  const counts = { ok: 0, fail: 0, info: 0 };
  const until = Date.now() + ms;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const client = new JitClient({ id: `load${i}`, replicas: cluster.clientAddresses(), mode, flaws });
      let n = 0;
      while (Date.now() < until) {
        const key = `k${n % 4}`;
        const r =
          n % 3 === 0
            ? await client.write(key, `${i}.${n}`)
            : n % 3 === 1
              ? await client.read(key)
              : await client.cas(key, `${i}.${n - 2}`, `${i}.${n}`);
        counts[r.type]++;
        n++;
      }
      client.close();
    }),
  );
  const secs = (Date.now() - started) / 1000;
  const statuses = await Promise.all(cluster.ids.map((id) => cluster.status(id).catch(() => null)));
  const logs = statuses.map(
    (s, i) => `${cluster.ids[i]}=${s ? `${s.status}/v${s.view}/${s.logLength}` : 'down'}`,
  );
  return `load: ${counts.ok} ok, ${counts.fail} fail, ${counts.info} info in ${secs.toFixed(1)} s (${(counts.ok / secs).toFixed(0)} ok/s); replicas ${logs.join(' ')}`;
}

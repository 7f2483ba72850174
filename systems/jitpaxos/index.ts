/**
 * JIT Paxos as a registered system. Its options (mode, flaws, fsync, jitLeadMs, snapshotEvery) are its
 * `jitpaxos` block of the test config; the same fields at the top level, where configs and stored runs
 * written before systems were plugins have them, are accepted as deprecated aliases.
 */
import { EMPTY_CHECKSUM, nextChecksum } from '../../jitpaxos/checksum.js';
import { DEFAULT_TIMING } from '../../jitpaxos/config.js';
import type { Entry } from '../../jitpaxos/messages.js';
import { quorum } from '../../jitpaxos/quorum.js';
import { registerSystem } from '../registry.js';
import { type JitPaxosOptions, jitPaxos } from './db.js';
import { ALL_FLAWS } from './flaws.js';

/** The options a config gives the system (the db's, less what the run supplies). */
export type JitPaxosConfig = Pick<
  JitPaxosOptions,
  'mode' | 'flaws' | 'fsync' | 'jitLeadMs' | 'snapshotEvery'
>;

const DEFAULTS: JitPaxosConfig = {
  mode: 'fixed',
  flaws: [],
  fsync: true,
  jitLeadMs: DEFAULT_TIMING.maxLeadMs,
};
const FIELDS = ['mode', 'flaws', 'fsync', 'jitLeadMs', 'snapshotEvery'] as const;

const FIELD_SCHEMA = {
  mode: { enum: ['fixed', 'seed'] },
  flaws: { type: 'array', items: { enum: ALL_FLAWS }, uniqueItems: true },
  fsync: { type: 'boolean' },
  jitLeadMs: { type: 'number', minimum: 0, maximum: 1000 },
  snapshotEvery: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
};

/** A config's JIT Paxos options: defaults, then the deprecated top-level fields, then the block. */
export function jitPaxosOptions(config: Readonly<Record<string, unknown>>): JitPaxosConfig {
  const aliases = Object.fromEntries(
    FIELDS.filter((f) => config[f] !== undefined).map((f) => [f, config[f]]),
  );
  return { ...DEFAULTS, ...aliases, ...(config.jitpaxos as Partial<JitPaxosConfig> | undefined) };
}

export const jitPaxosSystem = registerSystem({
  name: 'jitpaxos',
  description: 'the built-in Just-In-Time Paxos cluster',
  configSchema: {
    jitpaxos: { type: 'object', additionalProperties: false, properties: FIELD_SCHEMA },
    // Deprecated aliases of the block's fields (resolveConfig moves them into it).
    ...FIELD_SCHEMA,
  },
  defaults: { jitpaxos: { ...DEFAULTS } },
  aliases: Object.fromEntries(FIELDS.map((f) => [f, ['jitpaxos', f]])),
  flags: [
    {
      option: '--mode <mode>',
      description: 'protocol mode (default fixed)',
      field: ['jitpaxos', 'mode'],
      choices: ['fixed', 'seed'],
    },
    {
      option: '--flaw <name>',
      description: `turn one seed flaw on in fixed mode (repeatable): ${ALL_FLAWS.join(', ')}`,
      field: ['jitpaxos', 'flaws'],
      repeatable: true,
    },
    {
      option: '--no-fsync',
      description: 'replicas write their log without fsync',
      field: ['jitpaxos', 'fsync'],
    },
  ],
  capabilities: ['pause', 'primary', 'logDump', 'env', 'loseDisk'],
  // Its replicas dump their logs, which commit consistency checks the clients' commits against; their own
  // logs say how view, logViewID and status moved, which replica-state checks.
  checkers: ['commit-consistency', 'replica-state'],
  logChecksum: { empty: EMPTY_CHECKSUM, next: (prev, e) => nextChecksum(prev, e as Entry) },
  // A commit needs every member of its view's quorum (n/2 + 1 consecutive replicas, the spec's Quorum(v)):
  // it goes on while some view's quorum is whole, which is not so for every minority (DESIGN §3).
  // From view n on, views n .. 2n-1 start their quorums at every replica in turn.
  survives: (down, replicas) =>
    replicas.some((_, i) => quorum(replicas.length + i, replicas).every((r) => !down.has(r))),
  validate: (c) => {
    const o = jitPaxosOptions(c);
    return o.mode === 'seed' && o.flaws.length > 0
      ? 'jitpaxos.flaws: flaws are for fixed mode; seed mode has them all'
      : null;
  },
  runName: (c) => `jitpaxos-${jitPaxosOptions(c).mode}-${String(c.workload)}`,
  // Stored runs (repro) may have the old top-level fields: jitPaxosOptions reads either.
  make: (ctx) =>
    jitPaxos({
      ...jitPaxosOptions(ctx.config),
      replicas: ctx.replicas,
      runStartMs: ctx.runStartMs,
      logFile: ctx.logFile,
    }),
});

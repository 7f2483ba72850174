/**
 * JIT Paxos as a registered system. Its options (mode, flaws, fsync, jitLeadMs) stay top-level fields of the
 * test config, where configs and stored runs written before systems were plugins have them.
 */
import { EMPTY_CHECKSUM, nextChecksum } from '../../jitpaxos/checksum.js';
import type { Mode } from '../../jitpaxos/config.js';
import type { Entry } from '../../jitpaxos/messages.js';
import { registerSystem } from '../registry.js';
import { jitPaxos } from './db.js';
import { ALL_FLAWS } from './flaws.js';

export const jitPaxosSystem = registerSystem({
  name: 'jitpaxos',
  description: 'the built-in Just-In-Time Paxos cluster',
  configSchema: {
    mode: { enum: ['fixed', 'seed'] },
    flaws: { type: 'array', items: { enum: ALL_FLAWS }, uniqueItems: true },
    fsync: { type: 'boolean' },
    jitLeadMs: { type: 'number', minimum: 0, maximum: 1000 },
    snapshotEvery: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
  },
  defaults: { mode: 'fixed', flaws: [], fsync: true, jitLeadMs: 150 },
  flags: [
    {
      option: '--mode <mode>',
      description: 'protocol mode (default fixed)',
      field: ['mode'],
      choices: ['fixed', 'seed'],
    },
    {
      option: '--flaw <name>',
      description: `turn one seed flaw on in fixed mode (repeatable): ${ALL_FLAWS.join(', ')}`,
      field: ['flaws'],
      repeatable: true,
    },
    { option: '--no-fsync', description: 'replicas write their log without fsync', field: ['fsync'] },
  ],
  capabilities: ['pause', 'primary', 'logDump', 'env'],
  // Its replicas dump their logs, which commit consistency checks the clients' commits against; their own
  // logs say how view, logViewID and status moved, which replica-state checks.
  checkers: ['commit-consistency', 'replica-state'],
  logChecksum: { empty: EMPTY_CHECKSUM, next: (prev, e) => nextChecksum(prev, e as Entry) },
  validate: (c) =>
    c.mode === 'seed' && Array.isArray(c.flaws) && c.flaws.length > 0
      ? 'flaws are for fixed mode; seed mode has them all'
      : null,
  runName: (c) => `jitpaxos-${String(c.mode)}-${String(c.workload)}`,
  make: (ctx) =>
    jitPaxos({
      replicas: ctx.replicas,
      mode: ctx.config.mode as Mode,
      flaws: ctx.config.flaws as string[],
      fsync: ctx.config.fsync as boolean,
      jitLeadMs: ctx.config.jitLeadMs as number,
      ...(typeof ctx.config.snapshotEvery === 'number' ? { snapshotEvery: ctx.config.snapshotEvery } : {}),
      runStartMs: ctx.runStartMs,
      logFile: ctx.logFile,
    }),
});

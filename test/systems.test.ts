/** Systems as plugins: the registry, each system's options validated by its own schema, capabilities. */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, resolveConfig, type TestConfig } from '../harness/config.js';
import { storedConfig } from '../harness/run-dir.js';
import { testCommand } from '../harness/test-command.js';
import { DEFAULT_TIMING } from '../jitpaxos/config.js';
import { getSystem, registerSystem, systemNames } from '../systems/index.js';
import { jitPaxosOptions } from '../systems/jitpaxos/index.js';

// `jitter test`'s flags, resolved in process: the config it would run is kept and the run refused.
const resolved: { capture: boolean; last?: TestConfig } = { capture: false };
vi.mock('../harness/config.js', async (original) => {
  const real = await original<typeof import('../harness/config.js')>();
  return {
    ...real,
    resolveConfig: (...args: Parameters<typeof real.resolveConfig>) => {
      const cfg = real.resolveConfig(...args);
      if (resolved.capture) {
        resolved.last = cfg;
        throw new real.ConfigError('stopped by the test');
      }
      return cfg;
    },
  };
});

async function flagsConfig(args: string[]): Promise<TestConfig | string> {
  resolved.last = undefined;
  resolved.capture = true;
  const cmd = testCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    await cmd.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (resolved.last) return resolved.last;
    return (err as Error).message;
  } finally {
    resolved.capture = false;
  }
  throw new Error('ran');
}

const refused = (file: Record<string, unknown>, flags: Record<string, unknown> = {}): string => {
  try {
    resolveConfig(1, file, flags);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('systems registry', () => {
  it('JIT Paxos is registered and the default; its options are its block, top-level fields are aliases', () => {
    expect(systemNames()).toContain('jitpaxos');
    const cfg = resolveConfig(1, { jitpaxos: { mode: 'seed' } }, {});
    expect(cfg.system).toBe('jitpaxos');
    expect(cfg.name).toBe('jitpaxos-seed-register');
    expect(cfg.jitpaxos).toEqual({
      mode: 'seed',
      flaws: [],
      fsync: true,
      jitLeadMs: DEFAULT_TIMING.maxLeadMs,
    });
    expect(cfg).not.toHaveProperty('mode');
    expect(getSystem('jitpaxos')!.checkers).toEqual(['commit-consistency', 'replica-state']);
    expect(refused({ jitpaxos: { mode: 'seed', flaws: ['no-retry'] } })).toBe(
      'config: jitpaxos.flaws: flaws are for fixed mode; seed mode has them all',
    );
    expect(refused({ jitpaxos: { mode: 'fast' } })).toMatch(
      /^config: jitpaxos.mode must be equal to one of the allowed values/,
    );
    expect(refused({ jitpaxos: { fsync: 'no' } })).toBe('config: jitpaxos.fsync must be boolean');
    expect(refused({ jitpaxos: { paxos: 1 } })).toMatch(
      /^config: jitpaxos must NOT have additional properties "paxos"/,
    );
    // The deprecated top-level fields (older configs, stored runs' test.json) land in the block.
    const old = resolveConfig(1, { mode: 'fixed', flaws: ['no-retry'], fsync: false, snapshotEvery: 50 }, {});
    expect(old.jitpaxos).toEqual({
      mode: 'fixed',
      flaws: ['no-retry'],
      fsync: false,
      jitLeadMs: DEFAULT_TIMING.maxLeadMs,
      snapshotEvery: 50,
    });
    expect(old).not.toHaveProperty('flaws');
    expect(refused({ mode: 'fast' })).toMatch(/^config: mode must be equal to one of the allowed values/);
    expect(refused({ mode: 'seed', flaws: ['no-retry'] })).toMatch(
      /^config: jitpaxos.flaws: flaws are for fixed/,
    );
    expect(refused({ mode: 'seed', jitpaxos: { mode: 'fixed' } })).toBe(
      'config: jitpaxos.mode and mode (its deprecated alias) disagree',
    );
    // Flags (which set the block) refine a file in either spelling.
    const mixed = resolveConfig(
      1,
      { mode: 'seed', fsync: false },
      { jitpaxos: { mode: 'fixed', flaws: ['no-retry'] } },
    );
    expect(mixed.jitpaxos).toEqual({
      mode: 'fixed',
      flaws: ['no-retry'],
      fsync: false,
      jitLeadMs: DEFAULT_TIMING.maxLeadMs,
    });
    // Another system's run carries no JIT Paxos block.
    expect(resolveConfig(1, { system: 'maelstrom', maelstrom: { bin: 'x' } }, {})).not.toHaveProperty(
      'jitpaxos',
    );
  });

  it('--mode, --flaw and --no-fsync set the block, over a config file in either spelling', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-systems-'));
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ mode: 'seed', fsync: true, jitLeadMs: 20 }));
    const cfg = (await flagsConfig([
      '--config',
      file,
      '--mode',
      'fixed',
      '--flaw',
      'no-retry',
      '--no-fsync',
    ])) as TestConfig;
    expect(cfg.jitpaxos).toEqual({ mode: 'fixed', flaws: ['no-retry'], fsync: false, jitLeadMs: 20 });
    expect(cfg.name).toBe('jitpaxos-fixed-register');
    // Without the negated flag, the file's fsync stands.
    const fileOnly = (await flagsConfig(['--config', file, '--mode', 'fixed'])) as TestConfig;
    expect(fileOnly.jitpaxos).toMatchObject({ mode: 'fixed', fsync: true });
    expect(await flagsConfig(['--mode', 'seed', '--flaw', 'no-retry'])).toMatch(
      /config: jitpaxos.flaws: flaws are for fixed mode/,
    );
  });

  it('the system reads a stored config in either spelling', () => {
    expect(jitPaxosOptions({ mode: 'seed', fsync: false })).toEqual({
      mode: 'seed',
      flaws: [],
      fsync: false,
      jitLeadMs: DEFAULT_TIMING.maxLeadMs,
    });
    expect(jitPaxosOptions({ jitpaxos: { flaws: ['no-retry'] } }).flaws).toEqual(['no-retry']);
  });

  it('JIT Paxos survives the crashes that leave some view a whole quorum: one replica, not every minority', () => {
    const jit = getSystem('jitpaxos')!;
    const R3 = ['r1', 'r2', 'r3'];
    const R5 = ['r1', 'r2', 'r3', 'r4', 'r5'];
    const survives = (down: string[], replicas: string[]) => jit.survives!(new Set(down), replicas);
    for (const r of R3) expect(survives([r], R3)).toBe(true);
    expect(survives(['r1', 'r3'], R3)).toBe(false);
    // Quorums are three consecutive replicas: two down next to each other leave {r3, r4, r5}; apart, none.
    expect(survives(['r1', 'r2'], R5)).toBe(true);
    expect(survives(['r1', 'r4'], R5)).toBe(false);
    expect(survives([], R5)).toBe(true);
  });

  it('refuses a system nobody registered, naming the field', () => {
    expect(refused({ system: 'nope' })).toMatch(
      /^config: system must be equal to one of the allowed values: .*jitpaxos/,
    );
  });

  it('a nemesis that needs a capability the system lacks is refused in one line', () => {
    registerSystem({
      name: 'test-bare',
      description: 'start, stop and kill only',
      configSchema: {
        'test-bare': { type: 'object', additionalProperties: false, properties: { x: { type: 'integer' } } },
      },
      defaults: {},
      capabilities: [],
      checkers: [],
      make: () => {
        throw new Error('not in this test');
      },
    });
    expect(refused({ system: 'test-bare', nemesis: ['pause'] })).toBe(
      'config: the pause nemesis needs a system that can pause nodes; test-bare cannot',
    );
    expect(refused({ system: 'test-bare', 'test-bare': { x: 'a' } })).toBe(
      'config: test-bare.x must be integer',
    );
    // A flag refines a file's block field by field.
    const cfg = resolveConfig(1, { system: 'test-bare', 'test-bare': { x: 1 }, nemesis: ['kill'] }, {});
    expect(cfg['test-bare']).toEqual({ x: 1 });
    expect(cfg.name).toBe('test-bare-register');
  });

  it('reads a run stored before systems were plugins (its description under `system`) as a JIT Paxos run', () => {
    const old = {
      mode: 'fixed',
      system: { system: 'jitpaxos', mode: 'fixed' },
      workloadInfo: { model: 'jitter-kv' },
    };
    expect(storedConfig(old)).toEqual({ mode: 'fixed', system: 'jitpaxos' });
    expect(storedConfig({ system: 'maelstrom', systemInfo: { bin: 'x' } })).toEqual({ system: 'maelstrom' });
  });
});

/** Systems as plugins: the registry, each system's options validated by its own schema, capabilities. */
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../harness/config.js';
import { storedConfig } from '../harness/run-dir.js';
import { getSystem, registerSystem, systemNames } from '../systems/index.js';

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
  it('JIT Paxos is registered and the default; its options keep their top-level fields', () => {
    expect(systemNames()).toContain('jitpaxos');
    const cfg = resolveConfig(1, { mode: 'seed' }, {});
    expect(cfg.system).toBe('jitpaxos');
    expect(cfg.name).toBe('jitpaxos-seed-register');
    expect(getSystem('jitpaxos')!.checkers).toEqual(['commit-consistency']);
    expect(refused({ mode: 'seed', flaws: ['no-retry'] })).toBe(
      'config: flaws are for fixed mode; seed mode has them all',
    );
    expect(refused({ mode: 'fast' })).toMatch(/^config: mode must be equal to one of the allowed values/);
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

/**
 * Test matrices for `jitter nightly`: systems × workloads × nemeses × (JIT Paxos modes × flaw sets) ×
 * variants × replica counts × seeds, from a JSON file (validated with ajv) or a built-in preset.
 */
import fs from 'node:fs';
import { Ajv } from 'ajv';
import { FAULT_NAMES } from '../nemesis/index.js';
import { systemNames } from '../systems/index.js';
import { ALL_FLAWS, flawConfig, MASKED_FLAWS } from '../systems/jitpaxos/flaws.js';
import { WORKLOAD_NAMES } from '../workloads/index.js';
import { ConfigError, schemaErrorLine, type TestConfig } from './config.js';

export interface Matrix {
  /** Prefix of every test name. */
  name?: string;
  workloads?: string[];
  /** Each entry is one nemesis combination, e.g. "partition,latency" or "none". */
  nemeses?: string[];
  /** Systems under test (default the built-in JIT Paxos); a system's own fields go in `base` or `variants`. */
  systems?: string[];
  /** Named sets of config fields, one test each, e.g. {"name": "nofsync", "config": {"fsync": false}}. */
  variants?: Array<{ name: string; config: Partial<TestConfig> }>;
  /** JIT Paxos's protocol modes. */
  modes?: Array<'fixed' | 'seed'>;
  replicas?: number[];
  seeds?: number[];
  /** JIT Paxos: each entry is one set of flaws (fixed mode), e.g. [] or ["local-reads"]. */
  flaws?: string[][];
  /** Settings shared by every test (any `jitter test` config field). */
  base?: Partial<TestConfig>;
  /** What a test is expected to find: "valid" (default) or "invalid" (a flaw run that must be caught). */
  expect?: 'valid' | 'invalid';
  /** Extra tests given whole, each with its own expectation. */
  tests?: Array<{ name: string; config: Partial<TestConfig>; expect?: 'valid' | 'invalid' }>;
}

export interface PlannedTest {
  name: string;
  config: Partial<TestConfig>;
  expect: 'valid' | 'invalid';
}

const MATRIX_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
    workloads: { type: 'array', items: { enum: WORKLOAD_NAMES }, minItems: 1 },
    nemeses: { type: 'array', items: { type: 'string', pattern: '^[a-z-]+(,[a-z-]+)*$' }, minItems: 1 },
    systems: { type: 'array', items: { enum: systemNames() }, minItems: 1, uniqueItems: true },
    variants: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'config'],
        properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_.+]+$' }, config: { type: 'object' } },
      },
    },
    modes: { type: 'array', items: { enum: ['fixed', 'seed'] }, minItems: 1 },
    replicas: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 15 }, minItems: 1 },
    seeds: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1 },
    flaws: { type: 'array', items: { type: 'array', items: { enum: ALL_FLAWS } }, minItems: 1 },
    base: { type: 'object' },
    expect: { enum: ['valid', 'invalid'] },
    tests: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'config'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
          config: { type: 'object' },
          expect: { enum: ['valid', 'invalid'] },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile(MATRIX_SCHEMA);

export function checkMatrix(value: unknown, where: string): Matrix {
  if (!validate(value)) {
    throw new ConfigError(schemaErrorLine(validate.errors, where));
  }
  const m = value as Matrix;
  for (const combo of m.nemeses ?? []) {
    for (const n of combo.split(',')) {
      if (n !== 'none' && !FAULT_NAMES.includes(n)) {
        throw new ConfigError(`${where}: nemeses: unknown fault "${n}"; known: ${FAULT_NAMES.join(', ')}`);
      }
    }
  }
  return m;
}

export function readMatrix(file: string): Matrix {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  return checkMatrix(json, file);
}

/** One value of one dimension: the part of the test name it adds and the config fields it sets. */
interface Choice {
  tag: string;
  config: Partial<TestConfig>;
}

/**
 * Every combination, in a stable order, each with a readable unique name. `modes` and `flaws` are JIT
 * Paxos's own dimensions and apply to it alone; `variants` is how any system varies its options.
 */
export function expandMatrix(m: Matrix): PlannedTest[] {
  const out: PlannedTest[] = [];
  const prefix = m.name ?? 'nightly';
  const only = (xs: unknown[] | undefined) => xs === undefined || xs.length > 0;
  const given =
    m.workloads || m.nemeses || m.modes || m.replicas || m.seeds || m.flaws || m.systems || m.variants;
  if (only(m.workloads) && given) {
    const systems: Choice[] = (m.systems ?? [undefined]).map((system) =>
      system === undefined || system === 'jitpaxos'
        ? { tag: '', config: system ? { system } : {} }
        : { tag: `-${system}`, config: { system } },
    );
    const variants: Choice[] = (m.variants ?? [undefined]).map((v) =>
      v ? { tag: `-${v.name}`, config: v.config } : { tag: '', config: {} },
    );
    const jitPaxosModes = (): Choice[] =>
      (m.modes ?? ['fixed']).flatMap((mode) =>
        (mode === 'seed' ? [[]] : (m.flaws ?? [[]])).map((flaws) => ({
          tag: `-${mode}${flaws.length > 0 ? `-${flaws.join('+')}` : ''}`,
          config: { mode, flaws },
        })),
      );
    for (const system of systems) {
      const modes = system.tag === '' ? jitPaxosModes() : [{ tag: '', config: {} }];
      for (const workload of m.workloads ?? ['register']) {
        for (const nemesis of m.nemeses ?? ['partition']) {
          for (const mode of modes) {
            for (const variant of variants) {
              for (const replicas of m.replicas ?? [3]) {
                for (const seed of m.seeds ?? [1]) {
                  const nem = nemesis === 'none' ? [] : nemesis.split(',');
                  out.push({
                    name: `${prefix}${system.tag}${mode.tag}${variant.tag}-${workload}-${nem.join('+') || 'none'}-n${replicas}-s${seed}`,
                    config: {
                      ...m.base,
                      ...system.config,
                      workload: workload as TestConfig['workload'],
                      nemesis: nem,
                      ...mode.config,
                      ...variant.config,
                      replicas,
                      seed,
                    },
                    expect: m.expect ?? 'valid',
                  });
                }
              }
            }
          }
        }
      }
    }
  }
  for (const t of m.tests ?? []) out.push({ name: t.name, config: t.config, expect: t.expect ?? 'valid' });
  return out;
}

export const PRESETS: Record<string, () => Matrix> = {
  smoke: () => ({
    name: 'smoke',
    workloads: ['register', 'kv'],
    nemeses: ['partition'],
    modes: ['fixed'],
    seeds: [1],
    base: { timeLimit: 30, fsync: false },
    tests: [{ name: 'smoke-flaw-timestamp-tie', config: flawConfig('timestamp-tie', 20), expect: 'invalid' }],
  }),
  nightly: () => ({
    name: 'nightly',
    workloads: ['register', 'kv'],
    nemeses: FAULT_NAMES.length > 1 ? ['partition', FAULT_NAMES.join(',')] : ['partition'],
    modes: ['fixed'],
    replicas: [3, 5],
    seeds: [1, 2],
    base: { timeLimit: 300 },
  }),
  'seed-flaws': () => ({
    name: 'seed-flaws',
    tests: ALL_FLAWS.map((flaw) => ({
      name: `seed-flaws-${flaw}`,
      config: flawConfig(flaw, 120),
      // A masked flaw is expected to stay valid: if it ever shows, the fixes that mask it have changed.
      expect: MASKED_FLAWS.includes(flaw) ? ('valid' as const) : ('invalid' as const),
    })),
  }),
};

// Moved to the JIT Paxos system module; re-exported for existing callers.
export { FLAW_EXPOSURE, flawConfig, MASKED_FLAWS } from '../systems/jitpaxos/flaws.js';

/**
 * Test matrices for `jitter nightly`: workloads × nemeses × modes × replica counts × seeds (× flaw sets),
 * from a JSON file (validated with ajv) or a built-in preset.
 */
import fs from 'node:fs';
import { Ajv } from 'ajv';
import { ALL_FLAWS } from '../jitpaxos/config.js';
import { FAULT_NAMES } from '../nemesis/index.js';
import { WORKLOAD_NAMES } from '../workloads/index.js';
import { ConfigError, schemaErrorLine, type TestConfig } from './config.js';

export interface Matrix {
  /** Prefix of every test name. */
  name?: string;
  workloads?: string[];
  /** Each entry is one nemesis combination, e.g. "partition,latency" or "none". */
  nemeses?: string[];
  modes?: Array<'fixed' | 'seed'>;
  replicas?: number[];
  seeds?: number[];
  /** Each entry is one set of flaws (fixed mode), e.g. [] or ["local-reads"]. */
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

/** Every combination, in a stable order, each with a readable unique name. */
export function expandMatrix(m: Matrix): PlannedTest[] {
  const out: PlannedTest[] = [];
  const prefix = m.name ?? 'nightly';
  const only = (xs: unknown[] | undefined) => xs === undefined || xs.length > 0;
  if (only(m.workloads) && (m.workloads || m.nemeses || m.modes || m.replicas || m.seeds || m.flaws)) {
    for (const workload of m.workloads ?? ['register']) {
      for (const nemesis of m.nemeses ?? ['partition']) {
        for (const mode of m.modes ?? ['fixed']) {
          for (const replicas of m.replicas ?? [3]) {
            for (const flaws of mode === 'seed' ? [[]] : (m.flaws ?? [[]])) {
              for (const seed of m.seeds ?? [1]) {
                const nem = nemesis === 'none' ? [] : nemesis.split(',');
                const flawTag = flaws.length > 0 ? `-${flaws.join('+')}` : '';
                out.push({
                  name: `${prefix}-${mode}${flawTag}-${workload}-${nem.join('+') || 'none'}-n${replicas}-s${seed}`,
                  config: {
                    ...m.base,
                    workload: workload as TestConfig['workload'],
                    nemesis: nem,
                    mode,
                    replicas,
                    flaws,
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
  for (const t of m.tests ?? []) out.push({ name: t.name, config: t.config, expect: t.expect ?? 'valid' });
  return out;
}

/**
 * Flaws that the other fixes make harmless when switched on alone, so that no run can show them (DESIGN.md
 * §2.3; the core tests "view-change-choice alone" pin the reasons down). view-change-choice: the primary
 * handles its own StartView before any later reply, so it never sends a second log; the arbitrary choice is
 * among logs that all carry every commit; and a half-size view of an even cluster still meets every commit
 * quorum (n/2 + 1). They show in seed mode, with the other flaws.
 */
export const MASKED_FLAWS: readonly string[] = ['view-change-choice'];

/** Which nemesis (and setting) exposes each seed flaw in otherwise fixed mode. */
export const FLAW_EXPOSURE: Record<string, Partial<TestConfig>> = {
  // Coarse clocks make timestamps tie.
  'timestamp-tie': { nemesis: [], clockGranularityUs: 1000 },
  // Jitter reorders requests between replicas, which is what sends them into reconcile and repair.
  'repair-splice': { nemesis: ['latency'], replicas: 3, workload: 'kv' },
  // A slow primary answers last, so the seed sends the reconcile to the primary, which ignores it: the
  // replicas that fell behind are never repaired and nothing commits while the primary stays slow. 120 ms
  // (not 40) so the primary still answers last when a busy machine delays the backups' answers too.
  'misdirected-reconcile': {
    nemesis: ['latency'],
    workload: 'kv',
    schedule: [
      {
        atMs: 3000,
        fault: 'latency',
        action: 'start',
        params: { scope: 'primary', attributes: { latency: 120, jitter: 5 } },
      },
    ],
  },
  // Coarse clocks make concurrent clients' timestamps collide; the primary rejects all but the first of
  // each tie, and without the client's resend those requests are abandoned although no fault is active.
  'no-retry': { nemesis: [], clockGranularityUs: 1000 },
  'no-durability': { nemesis: ['kill'] },
  'view-change-choice': { nemesis: ['partition', 'latency'], replicas: 5 },
  // Half the clients jump 30 s ahead and stay there until the final heal: without the hybrid clock the
  // others, and then everyone once clocks are reset, are rejected until real time catches up.
  'clock-skew': {
    nemesis: ['clock'],
    schedule: [
      {
        atMs: 4000,
        fault: 'clock',
        action: 'start',
        params: { op: 'bump', deltaUs: 30_000_000, who: 'clients', fraction: 0.5, pickSeed: 7 },
      },
    ],
  },
  'local-reads': { nemesis: ['partition'] },
};

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

export function flawConfig(flaw: string, timeLimit: number): Partial<TestConfig> {
  const exposure = FLAW_EXPOSURE[flaw] ?? {};
  // Faults the registry does not have (yet) are left out rather than failing the whole matrix.
  const nemesis = (exposure.nemesis ?? []).filter((n) => FAULT_NAMES.includes(n));
  return { mode: 'fixed', flaws: [flaw], fsync: false, timeLimit, nemesisInterval: 3, ...exposure, nemesis };
}

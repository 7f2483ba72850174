/**
 * A test's configuration: a JSON Schema (validated with ajv, errors name the field), defaults, and the
 * merge of a config file with command-line flags (flags win).
 */
import fs from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { findLibfaketime } from '../nemesis/faketime.js';
import { FAULT_NAMES, makeFaults } from '../nemesis/index.js';
import { allSystems, getSystem, missingCapability, systemNames } from '../systems/index.js';
import { WORKLOAD_NAMES, type WorkloadName } from '../workloads/index.js';

export interface TestConfig {
  /** Each system's options block (`jitpaxos`, `maelstrom`), validated by its plugin's schema. */
  [systemOptions: string]: unknown;
  name: string;
  /** The system under test (systems/ registry). */
  system: string;
  replicas: number;
  workload: WorkloadName;
  /** Number of concurrent client processes. */
  concurrency: number;
  /** Cap on operations per second over all clients; 0 for none. */
  rate: number;
  /** Seconds of workload and faults (the main phase). */
  timeLimit: number;
  nemesis: string[];
  /** Seconds between nemesis actions. */
  nemesisInterval: number;
  /** Seconds after which the planned fault schedule repeats, each period ending healed; unset: no repeat. */
  nemesisPeriod?: number;
  seed: number;
  store: string;
  toxiproxy: string;
  leaveRunning: boolean;
  /** A client operation with no outcome after this long is indeterminate (info). */
  opTimeoutMs: number;
  /** Seconds of calm after the final heal, before the final reads. */
  quiet: number;
  /** Number of keys of the kv workload. */
  keys: number;
  /** Seconds between replica log dumps during the run. */
  dumpInterval: number;
  /** Client clocks tick in steps of this many microseconds (1 = finest; 1000 = a coarse millisecond clock). */
  clockGranularityUs: number;
  /** Explicit fault schedule (replaces the seeded one), as recorded in test.json. */
  schedule?: unknown[];
  /** Seconds between incremental checks during the run; 0 checks only at the end. */
  checkEvery?: number;
  /** End the main phase at the first anomaly an incremental check finds (heal, final reads, store). */
  stopOnAnomaly?: boolean;
}

/** The test config's schema, with the fields of every system registered so far. */
export function configSchema() {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', minLength: 1, maxLength: 100 },
      system: { enum: systemNames() },
      replicas: { type: 'integer', minimum: 1, maximum: 15 },
      // Each system's own block, named after it (plus JIT Paxos's deprecated top-level mode, flaws, ...).
      ...Object.assign({}, ...allSystems().map((p) => p.configSchema)),
      workload: { enum: WORKLOAD_NAMES },
      concurrency: { type: 'integer', minimum: 1, maximum: 1000 },
      rate: { type: 'number', minimum: 0, maximum: 1e9 },
      timeLimit: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
      checkEvery: { type: 'number', minimum: 0, maximum: 86400 },
      stopOnAnomaly: { type: 'boolean' },
      nemesis: { type: 'array', items: { enum: FAULT_NAMES }, uniqueItems: true },
      nemesisInterval: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
      nemesisPeriod: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
      seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
      store: { type: 'string', minLength: 1 },
      toxiproxy: { type: 'string', pattern: '^(auto|embedded|https?://[^\\s]+|bin:.+)$' },
      leaveRunning: { type: 'boolean' },
      opTimeoutMs: { type: 'integer', minimum: 10, maximum: 3_600_000 },
      quiet: { type: 'number', minimum: 0, maximum: 3600 },
      keys: { type: 'integer', minimum: 1, maximum: 10000 },
      dumpInterval: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
      clockGranularityUs: { type: 'integer', minimum: 1, maximum: 60_000_000 },
      schedule: { $ref: 'jitter-schedule' },
    },
  } as const;
}

/** An explicit fault schedule (nemesis/types.ts ScheduledAction[]), e.g. from `--schedule FILE`. */
export const SCHEDULE_SCHEMA = {
  $id: 'jitter-schedule',
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['atMs', 'fault', 'action'],
    properties: {
      atMs: { type: 'number', minimum: 0 },
      fault: { enum: FAULT_NAMES },
      action: { enum: ['start', 'stop'] },
      params: { type: 'object' },
    },
  },
} as const;

/**
 * {schedule} with each start action's params checked against its fault's schema (`Fault.params`, in the
 * fault's own module; a fault without one, or an unknown fault: any params).
 */
function scheduleParamsSchema() {
  const checked = [...makeFaults(FAULT_NAMES)].filter(([, f]) => f.params !== undefined);
  return {
    type: 'object',
    properties: {
      schedule: {
        type: 'array',
        items: {
          type: 'object',
          allOf: checked.map(([fault, { params }]) => ({
            if: {
              type: 'object',
              properties: { fault: { const: fault }, action: { const: 'start' } },
              required: ['fault', 'action'],
            },
            // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise.
            then: { type: 'object', properties: { params } },
          })),
        },
      },
    },
  };
}

/** Defaults of the fields every system has; the system under test adds its own (resolveConfig). */
export function defaults(seed: number): TestConfig {
  return {
    name: '',
    system: 'jitpaxos',
    replicas: 3,
    workload: 'register',
    concurrency: 0, // 2 per replica, filled in below
    rate: 0,
    timeLimit: 60,
    nemesis: ['partition'],
    nemesisInterval: 5,
    seed,
    store: 'store',
    toxiproxy: 'auto',
    leaveRunning: false,
    opTimeoutMs: 1500,
    quiet: 3,
    keys: 8,
    dumpInterval: 5,
    clockGranularityUs: 1,
  };
}

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema(SCHEDULE_SCHEMA);
let compiled: { systems: string; validate: ValidateFunction } | null = null;
/** Compiled again when a system registers after the first validation (tests, embedders). */
function validator(): ValidateFunction {
  const systems = systemNames().join(',');
  if (compiled?.systems !== systems) compiled = { systems, validate: ajv.compile(configSchema()) };
  return compiled.validate;
}
const validateSchedule = ajv.getSchema('jitter-schedule')!;
let validateParams: ValidateFunction | undefined;

export class ConfigError extends Error {}

/** Validate a config object; the error lists every bad field by its path, prefixed with `where`. */
export function checkConfig(value: unknown, where: string): Partial<TestConfig> {
  const validate = validator();
  if (!validate(value)) throw new ConfigError(schemaErrorLine(validate.errors, where));
  return value as Partial<TestConfig>;
}

/** One line: the first complaint about each field (ajv may have several about one value). */
export function schemaErrorLine(errors: ErrorObject[] | null | undefined, where: string): string {
  const byField = new Map<string, string>();
  for (const e of errors ?? []) {
    const field = e.instancePath === '' ? '(top level)' : e.instancePath.slice(1).replace(/\//g, '.');
    // An if/then's "must match then" adds nothing to the error inside the then.
    if (byField.has(field) || e.keyword === 'if') continue;
    const extra =
      e.keyword === 'additionalProperties'
        ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
        : e.keyword === 'enum'
          ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
          : '';
    byField.set(field, `${field} ${e.message}${extra}`);
  }
  return `${where}: ${[...byField.values()].join('; ')}`;
}

/** A schedule file: a JSON array of {atMs, fault, action, params?}; errors name the entry and field. */
export function readScheduleFile(file: string): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(`${file}: ${e.code ? `cannot read: ${e.code}` : `not valid JSON: ${e.message}`}`);
  }
  if (!validateSchedule(json)) throw new ConfigError(schemaErrorLine(validateSchedule.errors, file));
  return json as unknown[];
}

export function readConfigFile(file: string): Partial<TestConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return readConfigText(text, file);
}

/** A config file's text, parsed and checked; errors start with `file`. */
export function readConfigText(text: string, file: string): Partial<TestConfig> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  return checkConfig(json, file);
}

/** Defaults, then the file, then flags; derived defaults last. */
export function resolveConfig(
  seed: number,
  file: Partial<TestConfig>,
  flags: Partial<TestConfig>,
): TestConfig {
  // Checked as written (errors name a deprecated field by the name the file or flag used).
  checkConfig(stripDerived(merge(merge(defaults(seed), file), flags)), 'config');
  const [f, fl] = [withoutAliases(file), withoutAliases(flags)];
  const own = getSystem(String(fl.system ?? f.system ?? 'jitpaxos'))!.defaults;
  const c = merge(merge(merge(defaults(seed), own), f), fl);
  if (c.schedule) {
    validateParams ??= ajv.compile(scheduleParamsSchema());
    if (!validateParams({ schedule: c.schedule }))
      throw new ConfigError(schemaErrorLine(validateParams.errors, 'config'));
  }
  if (c.concurrency === 0) c.concurrency = 2 * c.replicas;
  if (c.nemesisPeriod !== undefined && c.nemesisPeriod <= c.nemesisInterval)
    throw new ConfigError(
      `config: nemesisPeriod (--nemesis-period) must be longer than nemesisInterval (${c.nemesisInterval} s)`,
    );
  if (c.stopOnAnomaly && !c.checkEvery)
    throw new ConfigError(
      'config: stopOnAnomaly (--stop-on-anomaly) needs checkEvery (--check-every SECONDS)',
    );
  const system = getSystem(c.system)!; // the schema allows registered names only
  const problem = system.validate?.(c);
  if (problem) throw new ConfigError(`config: ${problem}`);
  if (!c.name) c.name = system.runName?.(c) ?? `${system.name}-${c.workload}`;
  const scripted = (c.schedule as Array<{ fault: string }> | undefined)?.map((a) => a.fault) ?? [];
  const missing = missingCapability(system, [
    ...makeFaults([...new Set([...c.nemesis, ...scripted])]).values(),
  ]);
  if (missing) throw new ConfigError(`config: ${missing}`);
  if ([...c.nemesis, ...scripted].includes('clock')) {
    // Say now, not after the cluster is up, that replica clocks cannot be skewed here.
    try {
      findLibfaketime();
    } catch (err) {
      throw new ConfigError(`config: ${(err as Error).message}`);
    }
  }
  return c;
}

/**
 * A config layer (file or flags) with each system's deprecated top-level fields moved into its block, so a
 * flag refines a file whichever spelling either uses; both spellings with different values are refused.
 */
function withoutAliases(layer: Partial<TestConfig>): Partial<TestConfig> {
  const out: Record<string, unknown> = { ...layer };
  for (const p of allSystems())
    for (const [alias, [block, field]] of Object.entries(p.aliases ?? {})) {
      if (out[alias] === undefined || block === undefined || field === undefined) continue;
      const b = { ...((out[block] as Record<string, unknown> | undefined) ?? {}) };
      if (b[field] !== undefined && JSON.stringify(b[field]) !== JSON.stringify(out[alias]))
        throw new ConfigError(`config: ${block}.${field} and ${alias} (its deprecated alias) disagree`);
      b[field] = out[alias];
      out[block] = b;
      delete out[alias];
    }
  return out as Partial<TestConfig>;
}

/** b over a; a system's options block (a plain object) is merged field by field, so flags refine a file's. */
function merge(a: TestConfig, b: Partial<TestConfig>): TestConfig {
  const out: TestConfig = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const block = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = block(prev) && block(v) ? { ...(prev as object), ...(v as object) } : v;
  }
  return out;
}

/** Fields with placeholder values before derivation would fail the schema; check the rest. */
function stripDerived(c: TestConfig): Partial<TestConfig> {
  const { name, concurrency, ...rest } = c;
  return { ...rest, ...(name ? { name } : {}), ...(concurrency ? { concurrency } : {}) };
}

/**
 * Systems under test as plugins: each registers a `SystemPlugin` by name (`jitter test --system NAME`).
 * A plugin owns its options (their JSON Schema, defaults and flags), says which optional node capabilities
 * it has, names the checkers its runs add to the workload's, and builds the db and clients for a run.
 */
import type { Survives } from '../checkers/disruptions.js';
import type { LogChecksum } from '../checkers/replica-state.js';
import type { Capability, SystemUnderTest } from '../core/db.js';

export type { Capability };

export const CAPABILITY_TEXT: Record<Capability, string> = {
  pause: 'pause nodes',
  primary: 'name its primary',
  logDump: 'dump node logs',
  env: 'set a node’s environment (libfaketime)',
  loseDisk: 'lose a node’s durable state',
};

/** What a plugin gets to build a run's system. */
export interface SystemContext {
  replicas: number;
  /** The whole validated test config; the plugin reads its own options from it (see `options`). */
  config: Readonly<Record<string, unknown>>;
  /** When the run started (ms since the epoch): node-side times are reported relative to it. */
  runStartMs: number;
  /** Where each node's output (log) goes. */
  logFile: (node: string) => string;
}

/** A command-line flag that sets one of a plugin's config fields. */
export interface SystemFlag {
  /** Commander syntax, e.g. "--bin <command>". */
  option: string;
  description: string;
  /** The config field it sets, as a path (e.g. ["maelstrom", "bin"]). */
  field: readonly string[];
  /** The values it accepts (commander refuses others in one line). */
  choices?: readonly string[];
  /** Given more than once, it collects its values into an array. */
  repeatable?: boolean;
}

export interface SystemPlugin {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the config fields the plugin adds, by field name (merged into the test config's). */
  readonly configSchema: Readonly<Record<string, object>>;
  /** Defaults of those fields (applied when this system is the one under test). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /**
   * Deprecated top-level fields, each with the field of the plugin's block it stands for (e.g. JIT Paxos's
   * `mode` is `jitpaxos.mode`): resolveConfig moves them into the block.
   */
  readonly aliases?: Readonly<Record<string, readonly string[]>>;
  readonly flags?: readonly SystemFlag[];
  readonly capabilities: readonly Capability[];
  /** Checkers this system's runs go through besides the workload's (e.g. ones that read its log dumps). */
  readonly checkers: readonly string[];
  /** The prefix checksum its commits carry, for the replica-state checker's committed-prefix rule. */
  readonly logChecksum?: LogChecksum;
  /**
   * Whether it keeps committing with the nodes `down` (crashed or paused) of `replicas` (a majority-quorum
   * protocol: any minority): the liveness checkers then hold it to progress. Absent: not with any down.
   */
  survives?(down: ReadonlySet<string>, replicas: readonly string[]): boolean;
  /** Checks across fields that a schema cannot express; returns a one-line problem or null. */
  validate?(config: Readonly<Record<string, unknown>>): string | null;
  /** A default run name. */
  runName?(config: Readonly<Record<string, unknown>>): string;
  make(ctx: SystemContext): SystemUnderTest;
}

const registry = new Map<string, SystemPlugin>();

export function registerSystem(plugin: SystemPlugin): SystemPlugin {
  if (registry.has(plugin.name)) throw new Error(`system ${plugin.name} registered twice`);
  registry.set(plugin.name, plugin);
  return plugin;
}

/** A system's `survives` for one cluster, as the checkers take it. */
export function survivesOf(
  system: SystemPlugin | undefined,
  replicas: readonly string[],
): Survives | undefined {
  const survives = system?.survives;
  return survives && ((down) => survives(down, replicas));
}

export function getSystem(name: string): SystemPlugin | undefined {
  return registry.get(name);
}

export function systemNames(): string[] {
  return [...registry.keys()];
}

export function allSystems(): SystemPlugin[] {
  return [...registry.values()];
}

/** The one-line reason a system cannot serve these faults, or null. */
export function missingCapability(
  plugin: SystemPlugin,
  faults: ReadonlyArray<{ name: string; needs?: readonly Capability[] }>,
): string | null {
  for (const f of faults)
    for (const need of f.needs ?? [])
      if (!plugin.capabilities.includes(need))
        return `the ${f.name} nemesis needs a system that can ${CAPABILITY_TEXT[need]}; ${plugin.name} cannot`;
  return null;
}

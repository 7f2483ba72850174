/** Toxic types by name. Each toxic file registers itself when imported; index.ts imports them all. */
import type { ToxicDefinition } from '../toxic.js';

const REGISTRY = new Map<string, ToxicDefinition>();

export function registerToxic(def: ToxicDefinition): ToxicDefinition {
  if (REGISTRY.has(def.type)) throw new Error(`toxic type ${def.type} registered twice`);
  REGISTRY.set(def.type, def);
  return def;
}

export function toxicDefinition(type: string): ToxicDefinition | undefined {
  return REGISTRY.get(type);
}

export function toxicTypes(): string[] {
  return [...REGISTRY.keys()];
}

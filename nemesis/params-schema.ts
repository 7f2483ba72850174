/**
 * Building blocks of the faults' params schemas (`Fault.params`): JSON Schemas of what a plan() makes, which
 * a scripted schedule's start params are checked against before a run (harness/config.ts).
 */
import { TARGETS } from './targets.js';

/** A non-empty list of node names (a shuffled `order`, explicit `replicas` or `clients`). */
export const nodeList = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 } as const;

/** A duration in ms, from 0 to `max`. */
export const ms = (max: number) => ({ type: 'number', minimum: 0, maximum: max }) as const;

/** The params of a ToxicFault (toxic.ts): a scope, its proxies, and the toxic's integer `attributes`. */
export const toxicParams = (attributes: string[]) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['scope', 'attributes'],
    properties: {
      scope: { enum: ['all', 'random', 'primary', 'clients'] },
      proxies: { type: 'array', items: { type: 'string', minLength: 1 } },
      attributes: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(
          attributes.map((a) => [a, { type: 'integer', minimum: 0, maximum: 1e9 }]),
        ),
      },
    },
  }) as const;

/** The params of a fault aimed by targets.ts (`target`, `order`), plus its own `extra` fields. */
export const targetedParams = (extra: Record<string, unknown> = {}, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required: ['target', ...required],
  properties: { target: { enum: TARGETS }, order: nodeList, ...extra },
});

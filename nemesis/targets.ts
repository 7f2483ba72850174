/**
 * Which nodes a process or clock fault hits: one, a minority, a majority, the current primary, or all.
 * The node order is shuffled from the seed at plan time; the primary is resolved at start time.
 */
import type { Rng } from '../core/rng.js';
import type { NemesisWorld } from './types.js';

export const TARGETS = ['one', 'minority', 'majority', 'primary', 'all'] as const;
export type Target = (typeof TARGETS)[number];

/** Pick a target kind with the given weights (default uniform) and a node order for it. */
export function planTarget(
  rng: Rng,
  nodes: readonly string[],
  weights: Partial<Record<Target, number>> = {},
): { target: Target; order: string[] } {
  const w = TARGETS.map((t) => weights[t] ?? (Object.keys(weights).length > 0 ? 0 : 1));
  let x = rng.next() * w.reduce((a, b) => a + b, 0);
  let target: Target = TARGETS[TARGETS.length - 1]!;
  for (let i = 0; i < TARGETS.length; i++) {
    x -= w[i]!;
    if (x < 0) {
      target = TARGETS[i]!;
      break;
    }
  }
  return { target, order: rng.shuffle(nodes) };
}

/**
 * The nodes a target names, given the primary known now (null: none, or not asked). `primary` falls back to
 * the first of `order` when no primary is known. Pure, so the simulator resolves targets the same way.
 */
export function targetNodes(
  target: Target,
  order: readonly string[],
  primary: string | null,
): { nodes: string[]; primary?: string } {
  const n = order.length;
  switch (target) {
    case 'one':
      return { nodes: order.slice(0, 1) };
    case 'minority':
      return { nodes: order.slice(0, Math.max(1, Math.floor((n - 1) / 2))) };
    case 'majority':
      return { nodes: order.slice(0, Math.floor(n / 2) + 1) };
    case 'all':
      return { nodes: [...order] };
    case 'primary':
      return primary ? { nodes: [primary], primary } : { nodes: order.slice(0, 1) };
  }
}

/** The nodes a target names now, asking the system for its primary when the target needs it. */
export async function resolveTarget(
  world: NemesisWorld,
  target: Target,
  order: readonly string[],
): Promise<{ nodes: string[]; primary?: string }> {
  return targetNodes(target, order, target === 'primary' ? ((await world.db.primary?.()) ?? null) : null);
}

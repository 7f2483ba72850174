/**
 * Network partitions through the link proxies. A partition is a set of cut directed links; `r1->r2` cut
 * means what r1 sends to r2 is lost. Modes: silent (data dropped, connections held: a `timeout` toxic with
 * timeout 0), reset (the proxy disabled: connections refused and closed), one-way (silent, one direction).
 * Healing a silent cut removes the toxic, which closes the held connections on either Toxiproxy (the real
 * server's semantics, matched by the embedded one); the replicas reconnect.
 */

import type { Rng } from '../core/rng.js';
import { linkProxyName } from '../core/topology.js';
import { nodeList } from './params-schema.js';
import type { Fault, FaultRecord, NemesisWorld } from './types.js';

export const TOPOLOGIES = [
  'halves',
  'random-halves',
  'one',
  'primary',
  'minority',
  'majority',
  'majorities-ring',
  'bridge',
] as const;
export type PartitionTopology = (typeof TOPOLOGIES)[number];
export const PARTITION_MODES = ['silent', 'reset', 'one-way'] as const;
export type PartitionMode = (typeof PARTITION_MODES)[number];

export interface Link {
  from: string;
  to: string;
}

/** Cut every link between different components, both ways. */
export function cutBetween(components: string[][]): Link[] {
  const links: Link[] = [];
  for (const a of components)
    for (const b of components)
      if (a !== b) for (const from of a) for (const to of b) links.push({ from, to });
  return links;
}

/**
 * The grudge for a topology: which directed links to cut. `order` is the node order to use (shuffled by
 * the caller for the random topologies), `primary` the current primary for `primary`.
 */
export function partitionLinks(
  topology: PartitionTopology,
  order: readonly string[],
  primary: string | null,
): {
  links: Link[];
  components: string[][];
} {
  const n = order.length;
  const half = Math.floor(n / 2);
  const rest = (xs: readonly string[]) => order.filter((x) => !xs.includes(x));
  switch (topology) {
    case 'halves':
    case 'random-halves': {
      const comps = [order.slice(0, half), order.slice(half)];
      return { links: cutBetween(comps), components: comps };
    }
    case 'one':
    case 'primary': {
      const lone = topology === 'primary' && primary ? primary : order[0]!;
      const comps = [[lone], rest([lone])];
      return { links: cutBetween(comps), components: comps };
    }
    case 'minority': {
      const minority = order.slice(0, Math.max(1, Math.floor((n - 1) / 2)));
      const comps = [minority, rest(minority)];
      return { links: cutBetween(comps), components: comps };
    }
    case 'majority': {
      const majority = order.slice(0, half + 1);
      const comps = [majority, rest(majority)];
      return { links: cutBetween(comps), components: comps };
    }
    case 'majorities-ring': {
      // In a ring, each node hears only the nodes just before it: every node sees a majority (itself
      // included), and no two see the same one.
      const m = half + 1;
      const links: Link[] = [];
      const views: string[][] = [];
      for (let i = 0; i < n; i++) {
        const to = order[i]!;
        const sees = Array.from({ length: m }, (_, k) => order[(i - k + n) % n]!);
        views.push(sees);
        for (const from of order) if (!sees.includes(from)) links.push({ from, to });
      }
      return { links, components: views };
    }
    case 'bridge': {
      // Two halves that cannot talk, and one node (the bridge) that talks to both.
      const bridge = order[half]!;
      const a = order.slice(0, half);
      const b = order.slice(half + 1);
      const links = cutBetween([a, b]);
      return {
        links,
        components: [
          [...a, bridge],
          [bridge, ...b],
        ],
      };
    }
  }
}

const name = (l: Link) => linkProxyName(l.from, l.to);
const TOXIC = 'jitter-partition';

export class PartitionFault implements Fault {
  readonly name = 'partition';
  /** Every topology and mode, whichever this instance plans from. */
  readonly params = {
    type: 'object',
    additionalProperties: false,
    required: ['topology', 'mode', 'order'],
    properties: { topology: { enum: TOPOLOGIES }, mode: { enum: PARTITION_MODES }, order: nodeList },
  } as const;
  private active: { links: Link[]; mode: PartitionMode } | null = null;

  constructor(
    readonly topologies: readonly PartitionTopology[] = TOPOLOGIES,
    readonly modes: readonly PartitionMode[] = PARTITION_MODES,
  ) {}

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    const topology = rng.pick(this.topologies);
    const order = topology === 'halves' ? [...nodes] : rng.shuffle(nodes);
    return { topology, mode: rng.pick(this.modes), order };
  }

  async start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord> {
    if (this.active) await this.stop(world);
    const topology = params.topology as PartitionTopology;
    const mode = params.mode as PartitionMode;
    const order = params.order as string[];
    const primary = topology === 'primary' ? ((await world.db.primary?.()) ?? null) : null;
    let { links, components } = partitionLinks(topology, order, primary);
    if (mode === 'one-way') {
      // Only what flows from the first component to the others.
      const first = new Set(components[0]);
      links = links.filter((l) => first.has(l.from) && !first.has(l.to));
    }
    for (const l of links) await cutLink(world, l, mode);
    this.active = { links, mode };
    return {
      fault: 'partition',
      topology,
      mode,
      components,
      ...(primary ? { primary } : {}),
      cut: links.map(name),
    };
  }

  async stop(world: NemesisWorld): Promise<FaultRecord> {
    const active = this.active;
    this.active = null;
    if (!active) return { fault: 'partition', healed: [] };
    for (const l of active.links) await healLink(world, l);
    return { fault: 'partition', healed: active.links.map(name) };
  }

  async heal(world: NemesisWorld): Promise<void> {
    this.active = null;
    for (const from of world.db.nodes)
      for (const to of world.db.nodes) if (from !== to) await healLink(world, { from, to });
  }
}

async function cutLink(world: NemesisWorld, l: Link, mode: PartitionMode): Promise<void> {
  const proxy = await world.toxiproxy.get(name(l));
  if (mode === 'reset') {
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    return;
  }
  // The link proxy's upstream stream is exactly what `from` sends to `to`.
  await proxy.addToxic({
    name: TOXIC,
    type: 'timeout',
    stream: 'upstream',
    toxicity: 1,
    attributes: { timeout: 0 },
  });
}

async function healLink(world: NemesisWorld, l: Link): Promise<void> {
  const proxy = await world.toxiproxy.get(name(l));
  if (!proxy.enabled) await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
  const toxic = await proxy.getToxic(TOXIC).catch((err: Error) => {
    // 404: no such toxic on this link, nothing to heal (the client only says so in its message).
    if (/status code 404/.test(err.message)) return null;
    throw err;
  });
  await toxic?.remove();
}

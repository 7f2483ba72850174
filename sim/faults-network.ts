/** Network faults of the simulated world: partitions (nemesis/partition.ts's topologies), latency, chaos. */
import type { Rng } from '../core/rng.js';
import { clientProxyName, linkProxyName } from '../core/topology.js';
import { ClientPartitionFault } from '../nemesis/client-partition.js';
import { LatencyFault } from '../nemesis/latency.js';
import { PartitionFault, type PartitionTopology, partitionLinks } from '../nemesis/partition.js';
import { allProxies, proxiesOf } from '../nemesis/toxic.js';
import type { FaultRecord } from '../nemesis/types.js';
import { type FaultWorld, resolveTarget, type SimFault, type Target } from './fault-types.js';
import { CALM } from './network.js';

export class SimPartition implements SimFault {
  readonly name = 'partition';
  readonly real = true;
  private cut: string[] = [];
  private readonly planner = new PartitionFault();

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return this.planner.plan(rng, nodes);
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.cut.length > 0) this.stop(w);
    const topology = params.topology as PartitionTopology;
    const primary = topology === 'primary' ? w.primary() : null;
    let { links, components } = partitionLinks(topology, params.order as string[], primary);
    if (params.mode === 'one-way') {
      // Only what flows from the first component to the others (as PartitionFault does).
      const first = new Set(components[0]);
      links = links.filter((l) => first.has(l.from) && !first.has(l.to));
    }
    this.cut = links.map((l) => linkProxyName(l.from, l.to));
    for (const c of this.cut) w.net.cut.add(c);
    // A reset closes the connections (the proxy is disabled): what was in flight on them is lost.
    if (params.mode === 'reset') for (const c of this.cut) w.net.reset(c);
    return {
      fault: this.name,
      topology,
      mode: params.mode as string,
      components,
      ...(primary ? { primary } : {}),
      cut: this.cut,
    };
  }

  stop(w: FaultWorld): FaultRecord {
    const healed = this.cut;
    this.cut = [];
    for (const c of healed) w.net.cut.delete(c);
    return { fault: this.name, healed };
  }
}

export class SimClientPartition implements SimFault {
  readonly name = 'client-partition';
  readonly real = true;
  private cut: string[] = [];
  private readonly planner = new ClientPartitionFault();

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return this.planner.plan(rng, nodes);
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.cut.length > 0) this.stop(w);
    const { nodes, primary } = resolveTarget(w, params.target as Target, params.order as string[]);
    this.cut = nodes.map(clientProxyName);
    for (const c of this.cut) w.net.cut.add(c);
    if (params.mode === 'reset') for (const c of this.cut) w.net.reset(c);
    return {
      fault: this.name,
      mode: params.mode as string,
      target: params.target,
      targets: nodes,
      ...(primary ? { primary } : {}),
    };
  }

  stop(w: FaultWorld): FaultRecord {
    const healed = this.cut;
    this.cut = [];
    for (const c of healed) w.net.cut.delete(c);
    return { fault: this.name, healed };
  }
}

/** Toxiproxy's latency toxic on the same proxies: `latency` ms, spread by up to `jitter`. */
export class SimLatency implements SimFault {
  readonly name = 'latency';
  readonly real = true;
  private slowed: string[] = [];
  private readonly planner = new LatencyFault();

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return this.planner.plan(rng, nodes);
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    if (this.slowed.length > 0) this.stop(w);
    const attributes = params.attributes as { latency: number; jitter: number };
    let node: string | undefined;
    let proxies: string[];
    if (params.scope === 'primary') {
      node = resolveTarget(w, 'primary', w.nodes).nodes[0]!;
      proxies = proxiesOf(node, w.nodes);
    } else {
      proxies = (params.proxies as string[] | undefined) ?? allProxies(w.nodes);
    }
    for (const p of proxies) w.net.slow.set(p, attributes.latency * 1000);
    this.slowed = proxies;
    return { fault: this.name, scope: params.scope, ...(node ? { node } : {}), attributes, proxies };
  }

  stop(w: FaultWorld): FaultRecord {
    const healed = this.slowed;
    this.slowed = [];
    for (const p of healed) w.net.slow.delete(p);
    return { fault: this.name, healed };
  }
}

/**
 * What TCP hides from real runs: lost, duplicated and overtaking messages on every link (a network that
 * reconnects and resends, or a datagram transport). Simulation only.
 */
export class SimChaos implements SimFault {
  readonly name = 'chaos';
  readonly real = false;

  plan(rng: Rng): Record<string, unknown> {
    return {
      dropP: rng.pick([0.01, 0.05, 0.2]),
      dupP: rng.pick([0, 0.01, 0.05]),
      reorder: rng.next() < 0.7,
      extraUs: rng.pick([0, 500, 5000, 50_000]),
    };
  }

  start(w: FaultWorld, params: Record<string, unknown>): FaultRecord {
    w.net.chaos = {
      dropP: Number(params.dropP),
      dupP: Number(params.dupP),
      reorder: Boolean(params.reorder),
      extraUs: Number(params.extraUs),
    };
    return { fault: this.name, ...w.net.chaos };
  }

  stop(w: FaultWorld): FaultRecord {
    w.net.chaos = CALM;
    return { fault: this.name, healed: true };
  }
}

/**
 * Client partitions: cut the clients off chosen replicas. All clients share one `client->rN` proxy per
 * replica, so a cut applies to every client at once (per-client proxies would multiply the proxies by the
 * concurrency for little gain: JIT Paxos clients are interchangeable). Modes: silent (requests and replies
 * dropped, connections held: `timeout` 0 both ways) or reset (proxy disabled: connections refused and closed).
 */
import type { Rng } from '../core/rng.js';
import { clientProxyName } from '../core/topology.js';
import { targetedParams } from './params-schema.js';
import { planTarget, resolveTarget, type Target } from './targets.js';
import { addToxic, removeToxic } from './toxic.js';
import type { Fault, FaultRecord, NemesisWorld } from './types.js';

export const CLIENT_PARTITION_MODES = ['silent', 'reset'] as const;
type Mode = (typeof CLIENT_PARTITION_MODES)[number];
const TOXIC = 'jitter-client-partition';

export class ClientPartitionFault implements Fault {
  readonly name = 'client-partition';
  readonly params = targetedParams({ mode: { enum: CLIENT_PARTITION_MODES } }, ['mode']);
  private active: string[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    // Never all: clients cut off every replica only measure nothing.
    const { target, order } = planTarget(rng, nodes, { one: 2, minority: 1, majority: 2, primary: 3 });
    return { target, order, mode: rng.pick(CLIENT_PARTITION_MODES) };
  }

  async start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord> {
    if (this.active.length > 0) await this.stop(world);
    const mode = params.mode as Mode;
    const { nodes, primary } = await resolveTarget(world, params.target as Target, params.order as string[]);
    for (const n of nodes) {
      const name = clientProxyName(n);
      this.active.push(n);
      if (mode === 'reset') {
        const p = await world.toxiproxy.get(name);
        await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
      } else {
        await addToxic(world, name, TOXIC, 'timeout', { timeout: 0 });
      }
    }
    return {
      fault: this.name,
      mode,
      target: params.target,
      targets: nodes,
      ...(primary ? { primary } : {}),
      clients: 'all',
      cut: nodes.map(clientProxyName),
    };
  }

  async stop(world: NemesisWorld): Promise<FaultRecord> {
    const nodes = this.active;
    this.active = [];
    for (const n of nodes) await healClientProxy(world, n);
    return { fault: this.name, healed: nodes.map(clientProxyName) };
  }

  async heal(world: NemesisWorld): Promise<void> {
    this.active = [];
    for (const n of world.db.nodes) await healClientProxy(world, n);
  }
}

async function healClientProxy(world: NemesisWorld, node: string): Promise<void> {
  const name = clientProxyName(node);
  const p = await world.toxiproxy.get(name);
  if (!p.enabled) await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
  await removeToxic(world, name, TOXIC);
}

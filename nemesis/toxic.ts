/**
 * Shared plumbing for the faults that act through Toxiproxy toxics (latency, bandwidth, slicing): which
 * proxies a start touches, adding a named toxic on the right streams, and removing it again.
 */
import type { ToxicType } from 'toxiproxy-node-client';
import type { Rng } from '../core/rng.js';
import { clientProxyName, linkProxyName } from '../core/topology.js';
import { resolveTarget } from './targets.js';
import type { Fault, FaultRecord, NemesisWorld } from './types.js';

/** Every proxy a node's traffic goes through: its links both ways and its client proxy. */
export function proxiesOf(node: string, nodes: readonly string[]): string[] {
  const out: string[] = [];
  for (const x of nodes) if (x !== node) out.push(linkProxyName(node, x), linkProxyName(x, node));
  out.push(clientProxyName(node));
  return out;
}

/** Every replica link and client proxy of a cluster. */
export function allProxies(nodes: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of nodes) for (const b of nodes) if (a !== b) out.push(linkProxyName(a, b));
  for (const n of nodes) out.push(clientProxyName(n));
  return out;
}

/**
 * Streams a toxic goes on: a link proxy carries only what `from` sends (upstream; the downstream of a link
 * is never used); a client proxy carries requests upstream and replies downstream, so both.
 */
export const streamsOf = (proxy: string): Array<'upstream' | 'downstream'> =>
  proxy.startsWith('client->') ? ['upstream', 'downstream'] : ['upstream'];

const toxicName = (base: string, stream: string) => `${base}-${stream}`;

export async function addToxic(
  world: NemesisWorld,
  proxy: string,
  base: string,
  type: ToxicType,
  attributes: Record<string, number>,
): Promise<void> {
  const p = await world.toxiproxy.get(proxy);
  for (const stream of streamsOf(proxy))
    await p.addToxic({ name: toxicName(base, stream), type, stream, toxicity: 1, attributes });
}

/** Remove the toxic `base` from `proxy` if it is there (a 404 means it is not). */
export async function removeToxic(world: NemesisWorld, proxy: string, base: string): Promise<void> {
  const p = await world.toxiproxy.get(proxy);
  for (const stream of ['upstream', 'downstream']) {
    const t = await p.getToxic(toxicName(base, stream)).catch((err: Error) => {
      if (/status code 404/.test(err.message)) return null;
      throw err;
    });
    await t?.remove();
  }
}

/**
 * A fault that puts one toxic type on a set of proxies: every proxy ("all"), a random subset of them, or
 * everything of the node that is primary when the fault starts ("primary": a slow leader, whose replies
 * come last). Subclasses only choose the attributes.
 */
export abstract class ToxicFault implements Fault {
  abstract readonly name: string;
  protected abstract readonly toxicType: ToxicType;
  private active: string[] = [];

  protected abstract planAttributes(rng: Rng): Record<string, number>;

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    const all = allProxies(nodes);
    const r = rng.next();
    const scope = r < 0.4 ? 'all' : r < 0.8 ? 'random' : 'primary';
    if (scope === 'primary') return { scope, attributes: this.planAttributes(rng) };
    const proxies = scope === 'all' ? all : rng.shuffle(all).slice(0, 1 + rng.int(Math.ceil(all.length / 2)));
    return { scope, proxies, attributes: this.planAttributes(rng) };
  }

  private get toxic(): string {
    return `jitter-${this.name}`;
  }

  async start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord> {
    if (this.active.length > 0) await this.stop(world);
    const nodes = world.db.nodes;
    const primary = params.scope === 'primary' ? await resolveTarget(world, 'primary', nodes) : null;
    // A hand-written schedule may say scope "all" without listing the proxies.
    const proxies = primary
      ? proxiesOf(primary.nodes[0]!, nodes)
      : ((params.proxies as string[] | undefined) ?? allProxies(nodes));
    const attributes = params.attributes as Record<string, number>;
    for (const p of proxies) {
      this.active.push(p);
      await addToxic(world, p, this.toxic, this.toxicType, attributes);
    }
    return {
      fault: this.name,
      toxic: this.toxicType,
      scope: params.scope,
      ...(primary ? { node: primary.nodes[0], primaryKnown: primary.primary !== undefined } : {}),
      attributes,
      links: proxies.map((p) => ({ proxy: p, streams: streamsOf(p) })),
    };
  }

  async stop(world: NemesisWorld): Promise<FaultRecord> {
    const healed = this.active;
    this.active = [];
    for (const p of healed) await removeToxic(world, p, this.toxic);
    return { fault: this.name, healed };
  }

  async heal(world: NemesisWorld): Promise<void> {
    this.active = [];
    for (const p of allProxies(world.db.nodes)) await removeToxic(world, p, this.toxic);
  }
}

/**
 * A failed disk: SIGKILL one node and destroy its durable state (start), then restart it (stop), when it must
 * rebuild that state from its peers. Real runs never lose a disk otherwise, so this is the fault that drives
 * a system's recovery path outside the simulator. One node at a time, and only while every other node runs
 * and holds its state: losing more than that can lose what a majority acknowledged, which no protocol
 * survives. The record names the node under `stateLost`, which tells the replica-state checker that its view
 * may start over there.
 */
import type { Rng } from '../core/rng.js';
import { restart } from './kill.js';
import { targetedParams } from './params-schema.js';
import { planTarget, resolveTarget, type Target } from './targets.js';
import type { Fault, FaultRecord, NemesisWorld } from './types.js';

export class DiskLossFault implements Fault {
  readonly name = 'disk-loss';
  readonly needs = ['loseDisk'] as const;
  readonly params = targetedParams();
  private lost: string[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return planTarget(rng, nodes, { one: 2, primary: 1 });
  }

  async start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord> {
    if (this.lost.length > 0) await this.stop(world);
    const { nodes, primary } = await resolveTarget(world, params.target as Target, params.order as string[]);
    const node = nodes[0]!;
    const others = await Promise.all(world.db.nodes.filter((n) => n !== node).map((n) => world.db.state(n)));
    const record = diskLossRecord(params, node, others, primary);
    if (record.skipped) return record;
    await world.db.kill(node);
    await world.db.loseDisk!(node);
    this.lost = [node];
    return record;
  }

  async stop(world: NemesisWorld): Promise<FaultRecord> {
    const nodes = this.lost;
    this.lost = [];
    return { fault: this.name, restarted: await restart(world, nodes) };
  }

  async heal(world: NemesisWorld): Promise<void> {
    this.lost = [];
    await restart(world, world.db.nodes);
  }
}

/**
 * What losing `node`'s state records (shared with the simulator's twin): `stateLost`, or why it is refused
 * while another node is down or recovering.
 */
export function diskLossRecord(
  params: Record<string, unknown>,
  node: string,
  others: ReadonlyArray<{ node: string; running: boolean; recovering?: boolean | undefined }>,
  primary: string | undefined,
): FaultRecord {
  const unsafe = others.find((s) => !s.running || s.recovering);
  if (unsafe)
    return {
      fault: 'disk-loss',
      target: params.target,
      skipped: `${unsafe.node} is ${unsafe.running ? 'recovering' : 'down'}`,
    };
  return {
    fault: 'disk-loss',
    target: params.target,
    targets: [node],
    stateLost: [node],
    ...(primary ? { primary } : {}),
  };
}

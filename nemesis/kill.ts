/**
 * Crashes: SIGKILL the targets (start), restart them with their data dirs kept (stop). In seed mode a
 * replica's state lives in memory, so a restarted replica comes back empty (the `no-durability` flaw):
 * the plan favours the primary and majorities, whose loss can erase commits.
 */
import type { Rng } from '../core/rng.js';
import { targetedParams } from './params-schema.js';
import { planTarget, resolveTarget, type Target } from './targets.js';
import type { Fault, FaultRecord, NemesisWorld } from './types.js';

export class KillFault implements Fault {
  readonly name = 'kill';
  readonly params = targetedParams();
  private killed: string[] = [];

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return planTarget(rng, nodes, { one: 2, minority: 1, majority: 3, primary: 3, all: 1 });
  }

  async start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord> {
    if (this.killed.length > 0) await this.stop(world);
    const { nodes, primary } = await resolveTarget(world, params.target as Target, params.order as string[]);
    const pids: Record<string, number> = {};
    for (const n of nodes) {
      const pid = world.db.pid(n);
      if (pid === undefined) continue;
      pids[n] = pid;
      this.killed.push(n);
    }
    await Promise.all(Object.keys(pids).map((n) => world.db.kill(n)));
    return {
      fault: this.name,
      signal: 'SIGKILL',
      target: params.target,
      targets: Object.keys(pids),
      pids,
      ...(primary ? { primary } : {}),
    };
  }

  async stop(world: NemesisWorld): Promise<FaultRecord> {
    const nodes = this.killed;
    this.killed = [];
    return { fault: this.name, restarted: await restart(world, nodes) };
  }

  async heal(world: NemesisWorld): Promise<void> {
    this.killed = [];
    await restart(world, world.db.nodes);
  }
}

/** Start every node of `nodes` that is not running; their new pids. */
export async function restart(
  world: NemesisWorld,
  nodes: readonly string[],
): Promise<Record<string, number>> {
  const pids: Record<string, number> = {};
  for (const n of nodes) {
    if ((await world.db.state(n)).running) continue;
    await world.db.start(n);
    const pid = world.db.pid(n);
    if (pid !== undefined) pids[n] = pid;
  }
  return pids;
}

/** Process pauses: SIGSTOP the targets (start), SIGCONT them (stop). A paused primary holds its view. */
import type { Rng } from '../core/rng.js';
import { targetedParams } from './params-schema.js';
import { planTarget, resolveTarget, type Target } from './targets.js';
import type { Fault, FaultRecord, NemesisWorld } from './types.js';

export class PauseFault implements Fault {
  readonly name = 'pause';
  readonly params = targetedParams();
  readonly needs = ['pause'] as const;
  private paused: Record<string, number> = {};

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return planTarget(rng, nodes, { one: 2, minority: 1, majority: 2, primary: 3, all: 1 });
  }

  async start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord> {
    if (Object.keys(this.paused).length > 0) await this.stop(world);
    const { nodes, primary } = await resolveTarget(world, params.target as Target, params.order as string[]);
    for (const n of nodes) {
      const pid = world.db.pid(n);
      if (pid === undefined) continue;
      // needs: checked against the system before the run starts.
      await world.db.pause!(n);
      this.paused[n] = pid;
    }
    return {
      fault: this.name,
      signal: 'SIGSTOP',
      target: params.target,
      targets: Object.keys(this.paused),
      pids: { ...this.paused },
      ...(primary ? { primary } : {}),
    };
  }

  async stop(world: NemesisWorld): Promise<FaultRecord> {
    const pids = this.paused;
    this.paused = {};
    for (const n of Object.keys(pids)) await world.db.resume!(n);
    return { fault: this.name, signal: 'SIGCONT', resumed: Object.keys(pids), pids };
  }

  async heal(world: NemesisWorld): Promise<void> {
    this.paused = {};
    for (const n of world.db.nodes) if ((await world.db.state(n)).paused) await world.db.resume!(n);
  }
}

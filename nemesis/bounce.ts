/**
 * Crash-restarts aimed at view changes. Kill the primary; when chasing, keep it down until the cluster names
 * another primary (which has then just installed its view), kill that one too, and after `restartMs` (sub-
 * second) start both again, so the new primary comes back in the middle of its own view change. Without a
 * chase, the primary alone comes back after `restartMs`. `kill` leaves nodes down for a whole interval; this
 * is the fault for the short windows of a view change. Stop waits for the restarts (and starts anything still
 * down), so the fault's span in the history covers all of it.
 */
import type { Rng } from '../core/rng.js';
import { ms, nodeList } from './params-schema.js';
import type { Fault, FaultRecord, NemesisWorld } from './types.js';

/** How long a chase waits for a new primary before it gives up (the cluster may not elect one). */
const CHASE_MS = 10_000;
const POLL_MS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class BounceFault implements Fault {
  readonly name = 'bounce';
  readonly needs = ['primary'] as const;
  readonly params = {
    type: 'object',
    additionalProperties: false,
    properties: { restartMs: ms(3_600_000), chase: { type: 'boolean' }, order: nodeList },
  } as const;
  private bounced = new Set<string>();
  /** The chase and the restarts, running on after start returned; stop waits for them. */
  private running: Promise<{ chased: string | null; restarted: string[] }> | null = null;

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    return { restartMs: rng.pick([0, 100, 300, 800]), chase: rng.next() < 0.75, order: rng.shuffle(nodes) };
  }

  /**
   * Kills the primary and returns at once, so the history marks the fault from the moment it acts; the chase
   * and the restarts go on in the background, and their outcome is in the stop record.
   */
  async start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord> {
    if (this.running) await this.stop(world);
    const restartMs = Number(params.restartMs ?? 0);
    const order = (params.order as string[] | undefined) ?? [...world.db.nodes];
    const first = (await world.db.primary!()) ?? order[0]!;
    await this.kill(world, first);
    this.running = this.chaseAndRestart(world, first, Boolean(params.chase), restartMs);
    return { fault: this.name, signal: 'SIGKILL', restartMs, chase: Boolean(params.chase), primary: first };
  }

  async stop(world: NemesisWorld): Promise<FaultRecord> {
    const done = await (this.running ?? Promise.resolve({ chased: null, restarted: [] }));
    this.running = null;
    // Anything still down (a restart that failed) comes back now.
    const late = await this.restartDown(world, [...this.bounced]);
    this.bounced.clear();
    return { fault: this.name, chased: done.chased, restarted: [...done.restarted, ...late] };
  }

  async heal(world: NemesisWorld): Promise<void> {
    await this.running?.catch(() => {});
    this.running = null;
    this.bounced.clear();
    await this.restartDown(world, world.db.nodes);
  }

  private async chaseAndRestart(
    world: NemesisWorld,
    first: string,
    chase: boolean,
    restartMs: number,
  ): Promise<{ chased: string | null; restarted: string[] }> {
    let chased: string | null = null;
    if (chase) {
      // The first node another primary is named by, once it is: it has just installed its view.
      const deadline = Date.now() + CHASE_MS;
      while (chased === null && Date.now() < deadline) {
        const p = await world.db.primary!();
        if (p !== null && p !== first) chased = p;
        else await sleep(POLL_MS);
      }
      if (chased !== null) await this.kill(world, chased);
    }
    await sleep(restartMs);
    const targets = chased === null ? [first] : [first, chased];
    await Promise.all(targets.map((n) => world.db.start(n)));
    for (const n of targets) this.bounced.delete(n);
    return { chased, restarted: targets };
  }

  private async kill(world: NemesisWorld, node: string): Promise<void> {
    this.bounced.add(node);
    await world.db.kill(node);
  }

  /** Start whichever of `nodes` is not running. */
  private async restartDown(world: NemesisWorld, nodes: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const n of nodes) {
      if ((await world.db.state(n)).running) continue;
      await world.db.start(n);
      out.push(n);
    }
    return out;
  }
}

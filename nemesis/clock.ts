/**
 * Clock skew, on clients (through their ClockTable clocks) and on replicas (libfaketime timestamp files).
 * Operations: bump (jump by ±Δ and stay), strobe (flip between +Δ and 0 every period, for a while) and
 * reset (stop). JIT Paxos's weak spot is the clients' clocks (they timestamp requests; the seed has no
 * hybrid clock), so the plan skews clients far more often than replicas, by large jumps both ways.
 * Every record carries `offsets`: all offsets in force after the action, µs, keyed by client or node.
 */
import { Rng } from '../core/rng.js';
import { faketimeEnv, findLibfaketime, timestampFile, writeOffset } from './faketime.js';
import { nodeList } from './params-schema.js';
import { planTarget, resolveTarget, TARGETS, type Target } from './targets.js';
import type { Fault, FaultRecord, NemesisWorld, PrepareContext } from './types.js';

export const CLOCK_OPS = ['bump', 'strobe', 'reset'] as const;
type ClockOp = (typeof CLOCK_OPS)[number];

/** Jumps from a few ms to many seconds, ahead or behind (µs). */
const DELTAS_MS = [2, 20, 200, 1000, 5000, 20_000];

export class ClockFault implements Fault {
  readonly name = 'clock';
  readonly needs = ['env'] as const;
  /** Explicit `replicas` or `clients` (a hand-written schedule) replace the target or the seeded pick. */
  readonly params = {
    type: 'object',
    additionalProperties: false,
    required: ['op'],
    properties: {
      op: { enum: CLOCK_OPS },
      deltaUs: { type: 'integer', minimum: -1e13, maximum: 1e13 },
      periodMs: { type: 'number', exclusiveMinimum: 0, maximum: 3_600_000 },
      durationMs: { type: 'number', exclusiveMinimum: 0, maximum: 86_400_000 },
      who: { enum: ['clients', 'replicas'] },
      fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      pickSeed: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      target: { enum: TARGETS },
      order: nodeList,
      replicas: nodeList,
      clients: nodeList,
    },
  } as const;
  private files = new Map<string, string>();
  private replicaOffsets = new Map<string, number>();
  private strobe: NodeJS.Timeout | null = null;
  private strobeEnd: NodeJS.Timeout | null = null;

  prepare(ctx: PrepareContext): void {
    const lib = findLibfaketime();
    if (!ctx.db.setEnv) throw new Error(`the clock nemesis cannot skew ${ctx.db.name} replicas (no setEnv)`);
    for (const n of ctx.db.nodes) {
      const file = timestampFile(ctx.nodesDir, n);
      writeOffset(file, 0);
      this.files.set(n, file);
      ctx.db.setEnv(n, faketimeEnv(lib, file));
    }
  }

  plan(rng: Rng, nodes: readonly string[]): Record<string, unknown> {
    const op: ClockOp = rng.next() < 0.65 ? 'bump' : 'strobe';
    const deltaUs = rng.pick(DELTAS_MS) * 1000 * (rng.next() < 0.5 ? -1 : 1);
    const common = {
      op,
      deltaUs,
      ...(op === 'strobe' ? { periodMs: rng.pick([5, 20, 100]), durationMs: rng.pick([1000, 3000]) } : {}),
    };
    if (rng.next() < 0.8)
      // Which clients is resolved at start (clients come and go); the seed fixes the choice.
      return { ...common, who: 'clients', fraction: rng.pick([0.25, 0.5, 1]), pickSeed: rng.int(2 ** 31) };
    return { ...common, who: 'replicas', ...planTarget(rng, nodes) };
  }

  private offsets(world: NemesisWorld): Record<string, number> {
    return { ...world.clocks.offsets(), ...Object.fromEntries(this.replicaOffsets) };
  }

  private setReplica(node: string, us: number): void {
    const file = this.files.get(node);
    if (!file)
      throw new Error(`replica ${node} was not started under libfaketime (clock fault not prepared)`);
    writeOffset(file, us);
    if (us === 0) this.replicaOffsets.delete(node);
    else this.replicaOffsets.set(node, us);
  }

  async start(world: NemesisWorld, params: Record<string, unknown>): Promise<FaultRecord> {
    this.stopStrobe();
    const op = params.op as ClockOp;
    if (op === 'reset') return this.stop(world);
    const deltaUs = Number(params.deltaUs);
    let who: { clients?: string[]; replicas?: string[]; primary?: string };
    if (params.who === 'replicas') {
      const t = Array.isArray(params.replicas)
        ? { nodes: params.replicas as string[] }
        : await resolveTarget(world, params.target as Target, params.order as string[]);
      who = { replicas: t.nodes, ...(t.primary ? { primary: t.primary } : {}) };
    } else {
      const names = world.clocks.names();
      const chosen = Array.isArray(params.clients)
        ? (params.clients as string[])
        : new Rng(Number(params.pickSeed ?? 0))
            .shuffle(names)
            .slice(0, Math.max(1, Math.round(names.length * Number(params.fraction ?? 1))));
      who = { clients: chosen };
    }
    const apply = (us: number) => {
      for (const c of who.clients ?? []) world.clocks.set(c, us);
      for (const r of who.replicas ?? []) this.setReplica(r, us);
    };
    apply(deltaUs);
    const record: FaultRecord = { fault: this.name, op, deltaUs, ...who };
    if (op === 'strobe') {
      const periodMs = Number(params.periodMs ?? 20);
      const durationMs = Number(params.durationMs ?? 2000);
      let high = true;
      this.strobe = setInterval(() => {
        high = !high;
        apply(high ? deltaUs : 0);
      }, periodMs);
      // A strobe ends by itself with the clocks back at 0 (the next record shows it).
      this.strobeEnd = setTimeout(() => {
        this.stopStrobe();
        apply(0);
      }, durationMs);
      Object.assign(record, { periodMs, durationMs, between: [0, deltaUs] });
    }
    record.offsets = this.offsets(world);
    return record;
  }

  private stopStrobe(): void {
    if (this.strobe) clearInterval(this.strobe);
    if (this.strobeEnd) clearTimeout(this.strobeEnd);
    this.strobe = this.strobeEnd = null;
  }

  async stop(world: NemesisWorld): Promise<FaultRecord> {
    this.stopStrobe();
    const clients = Object.keys(world.clocks.offsets());
    const replicas = [...this.replicaOffsets.keys()];
    world.clocks.resetAll();
    for (const r of replicas) this.setReplica(r, 0);
    return { fault: this.name, op: 'reset', clients, replicas, offsets: this.offsets(world) };
  }

  async heal(world: NemesisWorld): Promise<void> {
    this.stopStrobe();
    world.clocks.resetAll();
    for (const n of this.files.keys()) this.setReplica(n, 0);
  }
}

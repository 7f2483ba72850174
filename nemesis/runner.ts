/** Carries out a fault schedule against the world, records every action, and heals at the end. */
import type { Fault, FaultRecord, NemesisWorld, ScheduledAction } from './types.js';

export class NemesisRunner {
  private readonly active = new Map<string, FaultRecord>();
  private timers: NodeJS.Timeout[] = [];
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private healing: Promise<void> | null = null;

  constructor(
    private readonly world: NemesisWorld,
    private readonly faults: Map<string, Fault>,
    /** Called with what each action did, when it is done. */
    private readonly record: (f: 'start' | 'stop' | 'heal', value: FaultRecord) => void,
  ) {}

  /** Faults in force now, for the progress line. */
  current(): string[] {
    return [...this.active.values()].map((r) => summarize(r));
  }

  /** Run `schedule`, with times relative to now. Actions run one after another, never overlapping. */
  run(schedule: readonly ScheduledAction[]): void {
    const t0 = Date.now();
    for (const a of schedule) {
      const t = setTimeout(
        () => {
          this.chain = this.chain.then(() => this.act(a));
        },
        Math.max(0, t0 + a.atMs - Date.now()),
      );
      this.timers.push(t);
    }
  }

  private async act(a: ScheduledAction): Promise<void> {
    if (this.stopped) return;
    const fault = this.faults.get(a.fault);
    if (!fault) return;
    try {
      if (a.action === 'start') {
        const r = await fault.start(this.world, a.params ?? {});
        this.active.set(a.fault, r);
        this.record('start', r);
      } else {
        const r = await fault.stop(this.world);
        this.active.delete(a.fault);
        this.record('stop', r);
      }
    } catch (err) {
      this.record(a.action, { fault: a.fault, error: (err as Error).message });
    }
  }

  /** Cancel what is left of the schedule, stop what is active, and undo every fault. Once. */
  heal(): Promise<void> {
    this.healing ??= this.healOnce();
    return this.healing;
  }

  private async healOnce(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await this.chain;
    for (const name of [...this.active.keys()]) {
      const fault = this.faults.get(name)!;
      try {
        this.record('stop', await fault.stop(this.world));
      } catch (err) {
        this.record('stop', { fault: name, error: (err as Error).message });
      }
      this.active.delete(name);
    }
    const healed: string[] = [];
    const errors: string[] = [];
    for (const f of this.faults.values()) {
      try {
        await f.heal(this.world);
        healed.push(f.name);
      } catch (err) {
        errors.push(`${f.name}: ${(err as Error).message}`);
      }
    }
    // Belt and braces: whatever any fault left, no toxic and no disabled proxy survives the heal.
    await this.world.toxiproxy.reset().catch((err: Error) => errors.push(`toxiproxy reset: ${err.message}`));
    this.record('heal', { fault: 'all', healed, toxiproxyReset: true, ...(errors.length ? { errors } : {}) });
  }
}

function summarize(r: FaultRecord): string {
  const detail = ['topology', 'mode', 'op', 'target', 'targets', 'scope', 'node']
    .map((k) => r[k])
    .filter((v) => v !== undefined)
    .map((v) => (Array.isArray(v) ? v.join('+') : String(v)));
  return detail.length > 0 ? `${r.fault}(${detail.join(' ')})` : r.fault;
}

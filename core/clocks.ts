/** Each client's clock: the wall clock in microseconds plus an offset that the clock nemesis moves. */

/** Client clock offsets, which the clock nemesis moves. */
export interface ClientClocks {
  /** Current offset per client process, in microseconds. */
  offsets(): Record<string, number>;
  set(process: string, offsetMicros: number): void;
  resetAll(): void;
  /** Every client clock handed out so far (the clock nemesis picks its targets among them). */
  names(): string[];
}

/** Wall-clock microseconds, with sub-millisecond resolution. */
export const wallClockMicros = (): number => Math.floor((performance.timeOrigin + performance.now()) * 1000);

export class ClockTable implements ClientClocks {
  private readonly table = new Map<string, number>();
  private readonly known = new Set<string>();

  /** The clock of one client (named by its worker slot, e.g. "client-3"), ticking every `granularityUs`. */
  clock(name: string, granularityUs = 1): () => number {
    this.known.add(name);
    return () => {
      const t = wallClockMicros() + (this.table.get(name) ?? 0);
      return granularityUs > 1 ? t - (t % granularityUs) : t;
    };
  }

  offsets(): Record<string, number> {
    return Object.fromEntries(this.table);
  }

  set(name: string, offsetMicros: number): void {
    if (offsetMicros === 0) this.table.delete(name);
    else this.table.set(name, offsetMicros);
  }

  resetAll(): void {
    this.table.clear();
  }

  /** Every clock handed out so far (a retired process's slot reuses its name). */
  names(): string[] {
    return [...this.known];
  }
}

export const clientClockName = (slot: number): string => `client-${slot}`;

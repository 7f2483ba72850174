/**
 * A simulated clock: what one node or client reads, as a function of simulated time. It has an offset
 * (set or jumped by the clock faults) and a drift rate (runs fast or slow); changing the drift re-anchors
 * it, so readings stay continuous except where the offset jumps.
 */
export class SimClock {
  private anchorT = 0;
  private anchorLocal: number;
  private drift = 0;
  /** Set by the clock faults (a jump), and reset to 0 when they heal. */
  offsetUs = 0;
  /** The machine's own error, for the whole run: a fault's reset does not undo it. */
  skewUs = 0;

  constructor(
    /** Local reading at simulated time 0, in microseconds (an epoch). */
    base: number,
  ) {
    this.anchorLocal = base;
  }

  /** The local reading at simulated time `t` (microseconds). */
  read(t: number): number {
    return Math.floor(this.anchorLocal + (t - this.anchorT) * (1 + this.drift) + this.offsetUs + this.skewUs);
  }

  /** Run `rate` faster (0.001 = 1000 ppm fast; negative is slow) from `t` on. */
  setDrift(t: number, rate: number): void {
    this.anchorLocal = Math.floor(this.anchorLocal + (t - this.anchorT) * (1 + this.drift));
    this.anchorT = t;
    this.drift = rate;
  }

  get driftRate(): number {
    return this.drift;
  }

  /** How much simulated time a local duration of `us` takes on this clock (timers run on local time). */
  realDuration(us: number): number {
    return us / (1 + this.drift);
  }
}

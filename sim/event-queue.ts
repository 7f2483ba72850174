/**
 * The simulated world's agenda: events ordered by simulated time (microseconds), ties broken by the order
 * they were scheduled, so a run depends only on its seed. A binary heap: runs hold ~10^5 events at once.
 */
export interface SimEvent {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Run `fire` `delayUs` from now (at least now). */
  after(delayUs: number, fire: () => void): SimEvent {
    return this.at(this.now + Math.max(0, delayUs), fire);
  }

  at(at: number, fire: () => void): SimEvent {
    const ev: SimEvent = { at: Math.max(this.now, Math.round(at)), seq: this.seq++, fire, cancelled: false };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(ev, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = ev;
    return ev;
  }

  /** Fire the next event; false when nothing is left before `until`. */
  step(until: number): boolean {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (top.at > until) return false;
      this.pop();
      if (top.cancelled) continue;
      this.now = top.at;
      top.fire();
      return true;
    }
    return false;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

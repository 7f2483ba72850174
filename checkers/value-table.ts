/**
 * Values (processes, arguments, results) numbered, equal ones once, for the checkers' column stores: a
 * register's few values recur in every operation, and a cas argument is an array of its own in each
 * (830,080 operations: 554,000 small arrays, 35 MB). Objects are told equal by their JSON. Bounded: past
 * MAX_SHARED distinct values, new ones are kept without looking for their equals (a workload whose values
 * never recur gains nothing from the lookup). Those who read a value share it: they must not change it.
 */
const MAX_SHARED = 1 << 16;

export class ValueTable {
  private readonly list: unknown[] = [];
  private readonly primitives = new Map<unknown, number>();
  private readonly objects = new Map<string, number>();

  id(v: unknown): number {
    const isObject = typeof v === 'object' && v !== null;
    const json = isObject ? JSON.stringify(v) : '';
    const known = isObject ? this.objects.get(json) : this.primitives.get(v);
    if (known !== undefined) return known;
    const id = this.list.length;
    this.list.push(v);
    if (this.primitives.size + this.objects.size < MAX_SHARED) {
      if (isObject) this.objects.set(json, id);
      else this.primitives.set(v, id);
    }
    return id;
  }

  /** Numbers v without looking for an equal value first (cheaper, where values seldom recur). */
  keep(v: unknown): number {
    this.list.push(v);
    return this.list.length - 1;
  }

  at(id: number): unknown {
    return this.list[id];
  }
}

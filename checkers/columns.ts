/** Growth of the checkers' column stores (op-table, commit-table, checksum-column, the search's memo). */

type TypedArray = Int32Array | Uint32Array | Uint8Array | Float64Array;

/** `a`, or a copy of it at least `min` long (doubling), its contents kept. */
export function grown<T extends TypedArray>(a: T, min: number): T {
  if (a.length >= min) return a;
  let size = Math.max(1, a.length * 2);
  while (size < min) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

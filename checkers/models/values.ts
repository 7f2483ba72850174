/** Register values as memo-friendly primitives: objects become their JSON text, so === compares content. */
export type Value = string | number | boolean | null;

export function canon(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

export function show(v: unknown): string {
  return v === null || v === undefined ? 'nil' : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** A cas argument [expected, new]; anything else is a malformed operation. */
export function casArgs(v: unknown): [Value, Value] {
  if (!Array.isArray(v) || v.length !== 2)
    throw new Error(`cas value must be [expected, new], got ${JSON.stringify(v)}`);
  return [canon(v[0]), canon(v[1])];
}

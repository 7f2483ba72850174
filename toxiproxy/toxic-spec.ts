/**
 * The toxic types jitter supports, their attributes (names, units and defaults as in Toxiproxy 2.x) and the
 * parsing/validation of toxic JSON bodies.
 */
import { ApiError, ErrBadRequestBody, ErrInvalidStream, ErrInvalidToxicType } from './errors.js';

export type Stream = 'upstream' | 'downstream';

/** Attribute names per type, with defaults. All are non-negative integers. */
export const TOXIC_ATTRIBUTES = {
  latency: { latency: 0, jitter: 0 }, // milliseconds
  bandwidth: { rate: 0 }, // KB/s (1 KB = 1000 bytes, as upstream computes it)
  slow_close: { delay: 0 }, // milliseconds
  timeout: { timeout: 0 }, // milliseconds; 0 = hold forever
  reset_peer: { timeout: 0 }, // milliseconds after the first data
  slicer: { average_size: 0, size_variation: 0, delay: 0 }, // bytes, bytes, microseconds
  limit_data: { bytes: 0 },
} as const;

export type ToxicType = keyof typeof TOXIC_ATTRIBUTES;
export type Attributes = Record<string, number>;

export interface ToxicJson {
  attributes: Attributes;
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
}

function isToxicType(t: unknown): t is ToxicType {
  return typeof t === 'string' && Object.hasOwn(TOXIC_ATTRIBUTES, t);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(detail: string): ApiError {
  return ApiError.join(ErrBadRequestBody, detail);
}

/** Merge `input` attributes over `base`, ignoring unknown keys (as Go's decoder does) and rejecting bad values. */
export function mergeAttributes(type: ToxicType, base: Attributes, input: unknown): Attributes {
  if (input === undefined || input === null) return { ...base };
  if (!isObject(input)) throw bad('attributes must be an object');
  const out: Attributes = { ...base };
  for (const key of Object.keys(TOXIC_ATTRIBUTES[type])) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw bad(`attribute ${key} of ${type} must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    out[key] = v;
  }
  validate(type, out);
  return out;
}

function validate(type: ToxicType, a: Attributes): void {
  // Upstream recurses forever (or panics) on these; refuse them instead.
  if (type === 'slicer' && (a.average_size ?? 0) < 1) throw bad('slicer average_size must be at least 1');
}

function parseToxicity(v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw bad(`toxicity must be a number between 0 and 1, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Parse a POST /proxies/{p}/toxics body. Defaults: stream downstream, toxicity 1, name "<type>_<stream>". */
export function parseNewToxic(body: unknown): ToxicJson {
  if (!isObject(body)) throw bad('expected a JSON object');
  const streamRaw = body.stream ?? 'downstream';
  if (typeof streamRaw !== 'string') throw bad('stream must be a string');
  const stream = streamRaw.toLowerCase();
  if (stream !== 'upstream' && stream !== 'downstream') throw ErrInvalidStream;
  if (body.name !== undefined && typeof body.name !== 'string') throw bad('name must be a string');
  if (!isToxicType(body.type)) throw ErrInvalidToxicType;
  const type = body.type;
  const name = body.name || `${type}_${stream}`;
  const toxicity = parseToxicity(body.toxicity, 1);
  const attributes = mergeAttributes(type, { ...TOXIC_ATTRIBUTES[type] }, body.attributes);
  return { attributes, name, type, stream, toxicity };
}

/** Parse a POST/PATCH /proxies/{p}/toxics/{t} body: only attributes and toxicity change. */
export function parseToxicUpdate(existing: ToxicJson, body: unknown): ToxicJson {
  if (!isObject(body)) throw bad('expected a JSON object');
  return {
    ...existing,
    attributes: mergeAttributes(existing.type, existing.attributes, body.attributes),
    toxicity: parseToxicity(body.toxicity, existing.toxicity),
  };
}

/**
 * Parsing of toxic JSON bodies, as lenient as Toxiproxy 2.x: any registered type (noop included), any toxicity,
 * any integer attribute (negative too). Only what Go's decoder would refuse is a 400.
 */
import {
  ApiError,
  ErrBadRequestBody,
  ErrInvalidStream,
  ErrInvalidToxicType,
  ErrToxicAlreadyExists,
} from './errors.js';
import type { Attributes } from './toxic.js';
import { toxicDefinition } from './toxics/index.js';

export type Direction = 'upstream' | 'downstream';

export interface ToxicJson {
  attributes: Attributes;
  name: string;
  type: string;
  /** As the client spelled it (upstream keeps the case it was given). */
  stream: string;
  toxicity: number;
}

/** Go's int64 range: larger attribute values are a decode error upstream. */
const INT64_LIMIT = 2 ** 63;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(detail: string): ApiError {
  return ApiError.join(ErrBadRequestBody, detail);
}

/** Upstream matches the stream case-insensitively. */
export function parseDirection(stream: string): Direction | undefined {
  const s = stream.toLowerCase();
  return s === 'upstream' || s === 'downstream' ? s : undefined;
}

/** Merge `input` attributes over `base`, ignoring unknown keys and nulls (as Go's decoder does). */
function mergeAttributes(type: string, base: Attributes, input: unknown): Attributes {
  if (input === undefined || input === null) return { ...base };
  if (!isObject(input)) throw bad(`attributes of ${type} must be an object`);
  const out: Attributes = { ...base };
  for (const key of Object.keys(base)) {
    const v = input[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) >= INT64_LIMIT) {
      throw bad(`attribute ${key} of ${type} must be an integer, got ${JSON.stringify(v)}`);
    }
    out[key] = v;
  }
  return out;
}

function parseToxicity(v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number') throw bad(`toxicity must be a number, got ${JSON.stringify(v)}`);
  return float32(v);
}

/** Upstream stores toxicity as a float32 and prints its shortest form: 0.1 stays 0.1, 0.123456789 reads 0.12345679. */
function float32(v: number): number {
  const f = Math.fround(v);
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = Number(f.toPrecision(digits));
    if (Math.fround(shortest) === f) return shortest;
  }
  return f;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${key} must be a string`);
  return v;
}

/** Parse a POST /proxies/{p}/toxics body. Defaults: stream downstream, toxicity 1, name "<type>_<stream>". */
export function parseNewToxic(
  body: unknown,
  exists: (name: string) => boolean,
): ToxicJson & { direction: Direction } {
  if (!isObject(body)) throw bad('expected a JSON object');
  const stream = optionalString(body, 'stream') || 'downstream';
  const type = optionalString(body, 'type') ?? '';
  const name = optionalString(body, 'name') || `${type}_${stream}`;
  const toxicity = parseToxicity(body.toxicity, 1);
  if (body.attributes !== undefined && body.attributes !== null && !isObject(body.attributes)) {
    throw bad('attributes must be an object');
  }
  const direction = parseDirection(stream);
  if (!direction) throw ErrInvalidStream;
  const def = toxicDefinition(type);
  if (!def) throw ErrInvalidToxicType;
  if (exists(name)) throw ErrToxicAlreadyExists;
  const attributes = mergeAttributes(type, { ...def.attributes }, body.attributes);
  return { attributes, name, type, stream, toxicity, direction };
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

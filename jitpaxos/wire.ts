/**
 * Validation of decoded frames against the message types of messages.ts, with JSON Schemas compiled once.
 * Extra fields are allowed (so a newer sender does not break an older receiver); required fields and the
 * types of every known field, including log entries and operations, are checked.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CLIENT_MESSAGE_TYPES, type Message, PEER_MESSAGE_TYPES, REPLY_MESSAGE_TYPES } from './messages.js';

/** What a replica accepts on its listener: peer and client messages. */
export const REPLICA_ACCEPTS: readonly string[] = [...PEER_MESSAGE_TYPES, ...CLIENT_MESSAGE_TYPES];
/** What a client accepts: replies. */
export const CLIENT_ACCEPTS: readonly string[] = [...REPLY_MESSAGE_TYPES];

export type ParseResult = { ok: true; msg: Message } | { ok: false; error: string };

const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const id = { type: 'string', minLength: 1 } as const;
const strOrNull = { type: ['string', 'null'] } as const;

const kvOp = {
  type: 'object',
  properties: { f: { enum: ['read', 'write', 'cas'] } },
  required: ['f'],
  discriminator: { propertyName: 'f' },
  oneOf: [
    { properties: { f: { const: 'read' }, key: str }, required: ['f', 'key'] },
    { properties: { f: { const: 'write' }, key: str, value: str }, required: ['f', 'key', 'value'] },
    {
      properties: { f: { const: 'cas' }, key: str, expected: strOrNull, value: str },
      required: ['f', 'key', 'expected', 'value'],
    },
  ],
} as const;

const entry = {
  type: 'object',
  properties: { ts: int, client: id, req: int, op: kvOp },
  required: ['ts', 'client', 'req', 'op'],
} as const;

const log = { type: 'array', items: entry } as const;

const mark = {
  type: 'object',
  properties: { index: int, checksum: str },
  required: ['index', 'checksum'],
} as const;

const marks = { type: 'array', items: mark } as const;

const incarnations = { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } } as const;

const opResult = {
  type: 'object',
  properties: { value: strOrNull, applied: { type: 'boolean' } },
  required: ['value', 'applied'],
} as const;

const snapshot = {
  type: 'object',
  properties: {
    index: int,
    checksum: str,
    last: { anyOf: [entry, { type: 'null' }] },
    kv: { type: 'array', items: { type: 'array', items: [str, str], minItems: 2, additionalItems: false } },
    clients: {
      type: 'array',
      items: {
        type: 'object',
        properties: { client: id, req: int, index: int, checksum: str, ts: int, result: opResult },
        required: ['client', 'req', 'index', 'checksum', 'ts', 'result'],
      },
    },
  },
  required: ['index', 'checksum', 'last', 'kv', 'clients'],
} as const;

const status = { enum: ['Normal', 'Repair', 'ViewChange', 'Recovering'] } as const;

function msg(
  type: string | readonly string[],
  props: Record<string, unknown>,
  optional: Record<string, unknown> = {},
) {
  return {
    type: 'object',
    properties: { type: Array.isArray(type) ? { enum: type } : { const: type }, ...props, ...optional },
    required: ['type', ...Object.keys(props)],
  };
}

const clientReply = msg(
  REPLY_MESSAGE_TYPES,
  {
    src: id,
    client: id,
    reqID: int,
    reqViewID: int,
    viewID: int,
    succeeded: { type: 'boolean' },
    index: int,
    checksum: str,
    ts: int,
  },
  {
    entryClient: id,
    entryReq: int,
    result: opResult,
    lastTs: int,
    localRead: { type: 'boolean' },
    heldUs: int,
    aheadUs: int,
  },
);

const repairEcho = { client: id, reqID: int, reqViewID: int };

const SCHEMAS: Record<string, object> = {
  ClientRequest: msg('ClientRequest', { client: id, viewID: int, reqID: int, ts: int, born: int, op: kvOp }),
  ClientReply: clientReply,
  ReconcileReply: clientReply,
  ReconcileRequest: msg('ReconcileRequest', {
    client: id,
    viewID: int,
    reqID: int,
    reqViewID: int,
    index: int,
  }),
  RepairRequest: msg('RepairRequest', { src: id, viewID: int, index: int, from: int, ...repairEcho }),
  RepairReply: msg(
    'RepairReply',
    { src: id, viewID: int, index: int, from: int, log, ...repairEcho },
    { base: str },
  ),
  ViewChange: msg('ViewChange', { src: id, viewID: int }),
  ViewChangeReply: msg(
    'ViewChangeReply',
    { src: id, viewID: int, logViewID: int, log },
    { length: int, marks, incarnations },
  ),
  StartView: msg(
    'StartView',
    { src: id, viewID: int, log },
    { from: int, base: str, length: int, checksum: str, snapshot },
  ),
  LogRequest: msg('LogRequest', { src: id, viewID: int, from: int, length: int, checksum: str }),
  LogReply: msg(
    'LogReply',
    { src: id, viewID: int, from: int, length: int, checksum: str, log },
    { base: str, snapshot },
  ),
  StartViewRequest: msg('StartViewRequest', { src: id, viewID: int, marks }),
  PreVote: msg('PreVote', { src: id, viewID: int, view: int }),
  PreVoteReply: msg('PreVoteReply', {
    src: id,
    viewID: int,
    granted: { type: 'boolean' },
    view: int,
    normal: { type: 'boolean' },
  }),
  Heartbeat: msg('Heartbeat', { src: id, viewID: int }, { stable: mark }),
  HeartbeatReply: msg('HeartbeatReply', { src: id, viewID: int, marks }),
  RecoveryRequest: msg(
    'RecoveryRequest',
    { src: id, nonce: { type: 'number' } },
    { reserve: int, incarnation: int },
  ),
  RecoveryReply: msg(
    'RecoveryReply',
    { src: id, nonce: { type: 'number' }, viewID: int, status },
    { log, incarnations, reserved: incarnations, reserve: int, incarnation: int },
  ),
};

/**
 * Validators are compiled on first use of each type, not at module load: compiling them all costs ~0.3 s,
 * which every process that imports this module (a simulator worker thread, the CLI) would otherwise pay
 * whether or not it ever reads a frame.
 */
let ajv: Ajv | null = null;
const VALIDATORS = new Map<string, ValidateFunction>();

function validatorFor(type: string): ValidateFunction | undefined {
  let v = VALIDATORS.get(type);
  if (v) return v;
  if (!Object.hasOwn(SCHEMAS, type)) return undefined;
  ajv ??= new Ajv({ discriminator: true, allErrors: false, strict: true });
  v = ajv.compile(SCHEMAS[type]!);
  VALIDATORS.set(type, v);
  return v;
}

/** Every message type that has a schema (tests check this covers messages.ts). */
export const KNOWN_MESSAGE_TYPES: readonly string[] = Object.keys(SCHEMAS);

function formatError(type: string, err: ErrorObject | undefined): string {
  if (!err) return `${type}: invalid`;
  const where = err.instancePath === '' ? '(root)' : err.instancePath;
  return `${type}: ${where} ${err.message ?? 'is invalid'}`;
}

/**
 * Validates a decoded frame. `allowed` lists the message types this endpoint accepts; anything else is refused
 * even when well-formed (a client sending peer messages to a replica, a replica receiving requests as a client).
 */
export function parseMessage(value: unknown, allowed: readonly string[]): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      error: `message is not an object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`,
    };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, error: 'message has no string "type" field' };
  const validate = validatorFor(type);
  if (!validate) return { ok: false, error: `unknown message type ${JSON.stringify(type)}` };
  if (!allowed.includes(type)) return { ok: false, error: `message type ${type} not accepted here` };
  if (!validate(value)) return { ok: false, error: formatError(type, validate.errors?.[0]) };
  return { ok: true, msg: value as Message };
}

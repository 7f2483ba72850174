import { describe, expect, it } from 'vitest';
import {
  CLIENT_MESSAGE_TYPES,
  type Entry,
  type Message,
  PEER_MESSAGE_TYPES,
  REPLY_MESSAGE_TYPES,
} from '../jitpaxos/messages.js';
import { CLIENT_ACCEPTS, KNOWN_MESSAGE_TYPES, parseMessage, REPLICA_ACCEPTS } from '../jitpaxos/wire.js';

const ALL = [...PEER_MESSAGE_TYPES, ...CLIENT_MESSAGE_TYPES, ...REPLY_MESSAGE_TYPES];

const entries: Entry[] = [
  { ts: 1_700_000_000_000_000, client: 'c1', req: 1, op: { f: 'write', key: 'k', value: 'v' } },
  { ts: 1_700_000_000_000_001, client: 'c2', req: 7, op: { f: 'read', key: 'k' } },
  { ts: 1_700_000_000_000_002, client: 'c1', req: 2, op: { f: 'cas', key: 'k', expected: null, value: 'w' } },
  { ts: 1_700_000_000_000_003, client: 'c1', req: 3, op: { f: 'cas', key: 'k', expected: 'w', value: 'z' } },
];

/** One valid example of every message type (typed, so the compiler checks them against messages.ts). */
const valid: Record<string, Message> = {
  ClientRequest: {
    type: 'ClientRequest',
    client: 'c1',
    viewID: 1,
    reqID: 3,
    ts: 5,
    born: 5,
    op: { f: 'read', key: 'a' },
  },
  ClientReply: {
    type: 'ClientReply',
    src: 'r1',
    client: 'c1',
    reqID: 3,
    reqViewID: 1,
    viewID: 1,
    succeeded: true,
    index: 4,
    checksum: 'abc',
    ts: 5,
    entryClient: 'c1',
    entryReq: 3,
    result: { value: null, applied: true },
    lastTs: 5,
  },
  ReconcileReply: {
    type: 'ReconcileReply',
    src: 'r2',
    client: 'c1',
    reqID: 3,
    reqViewID: 1,
    viewID: 2,
    succeeded: false,
    index: 0,
    checksum: '',
    ts: 0,
  },
  ReconcileRequest: { type: 'ReconcileRequest', client: 'c1', viewID: 1, reqID: 4, reqViewID: 1, index: 2 },
  RepairRequest: {
    type: 'RepairRequest',
    src: 'r2',
    viewID: 1,
    index: 2,
    from: 0,
    client: 'c1',
    reqID: 4,
    reqViewID: 1,
  },
  RepairReply: {
    type: 'RepairReply',
    src: 'r1',
    viewID: 1,
    index: 2,
    from: 0,
    log: entries,
    client: 'c1',
    reqID: 4,
    reqViewID: 1,
  },
  ViewChange: { type: 'ViewChange', src: 'r3', viewID: 2 },
  ViewChangeReply: { type: 'ViewChangeReply', src: 'r1', viewID: 2, logViewID: 1, log: entries },
  StartView: {
    type: 'StartView',
    src: 'r2',
    viewID: 2,
    log: [],
    from: 7,
    base: 'abc',
    length: 7,
    checksum: 'abc',
    snapshot: {
      index: 7,
      checksum: 'abc',
      last: entries[0]!,
      kv: [['k', 'v']],
      clients: [
        { client: 'c1', req: 3, index: 7, checksum: 'abc', ts: 5, result: { value: null, applied: true } },
      ],
    },
  },
  Heartbeat: { type: 'Heartbeat', src: 'r1', viewID: 1, stable: { index: 4, checksum: 'abc' } },
  HeartbeatReply: { type: 'HeartbeatReply', src: 'r2', viewID: 1, marks: [{ index: 4, checksum: 'abc' }] },
  RecoveryRequest: { type: 'RecoveryRequest', src: 'r3', nonce: 0.125 },
  RecoveryReply: {
    type: 'RecoveryReply',
    src: 'r1',
    nonce: 0.125,
    viewID: 3,
    status: 'Normal',
    log: entries,
  },
  LogRequest: { type: 'LogRequest', src: 'r2', viewID: 2, from: 1, length: 3, checksum: 'abc' },
  LogReply: {
    type: 'LogReply',
    src: 'r1',
    viewID: 2,
    from: 1,
    length: 3,
    checksum: 'abc',
    log: entries,
    base: 'abc',
    snapshot: { index: 1, checksum: 'abc', last: null, kv: [], clients: [] },
  },
  StartViewRequest: { type: 'StartViewRequest', src: 'r3', viewID: 4, marks: [{ index: 0, checksum: 'x' }] },
  PreVote: { type: 'PreVote', src: 'r3', viewID: 5, view: 4 },
  PreVoteReply: { type: 'PreVoteReply', src: 'r1', viewID: 5, granted: false, view: 4, normal: true },
};

function rejects(value: unknown, allowed: readonly string[] = ALL): string {
  const r = parseMessage(value, allowed);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(value)}`);
  return r.error;
}

describe('wire validation', () => {
  it('has a schema for every message type of messages.ts, and no others', () => {
    expect([...KNOWN_MESSAGE_TYPES].sort()).toEqual([...ALL].sort());
    expect(Object.keys(valid).sort()).toEqual([...ALL].sort());
  });

  it.each(ALL)('accepts a valid %s', (type) => {
    const m = valid[type]!;
    const r = parseMessage(JSON.parse(JSON.stringify(m)), ALL);
    expect(r).toEqual({ ok: true, msg: m });
  });

  it('accepts optional fields being absent and extra fields being present', () => {
    const { log: _, ...noLog } = valid.RecoveryReply as Message & { log: unknown };
    expect(parseMessage(noLog, ALL).ok).toBe(true);
    expect(parseMessage({ ...valid.Heartbeat, future: 1 }, ALL).ok).toBe(true);
  });

  it.each(ALL)('rejects %s with a required field missing, naming the field', (type) => {
    const m = { ...valid[type]! } as Record<string, unknown>;
    delete m.viewID;
    delete m.src;
    delete m.client;
    const error = rejects(m);
    expect(error).toContain(type);
    expect(error).toMatch(/must have required property '(viewID|src|client)'/);
  });

  it('rejects wrongly typed fields, naming type and path', () => {
    expect(rejects({ ...valid.Heartbeat, viewID: '1' })).toBe('Heartbeat: /viewID must be integer');
    expect(rejects({ ...valid.Heartbeat, viewID: 1.5 })).toBe('Heartbeat: /viewID must be integer');
    expect(rejects({ ...valid.ClientReply, succeeded: 'yes' })).toBe(
      'ClientReply: /succeeded must be boolean',
    );
    expect(rejects({ ...valid.RecoveryReply, status: 'Bogus' })).toMatch(
      /^RecoveryReply: \/status must be equal/,
    );
    expect(rejects({ ...valid.ClientReply, result: { value: 3, applied: true } })).toMatch(
      /^ClientReply: \/result\/value must be string,null/,
    );
    expect(rejects({ ...valid.RecoveryReply, incarnations: { r1: -1 } })).toMatch(
      /^RecoveryReply: \/incarnations\/r1 must be >= 0/,
    );
    expect(rejects({ ...valid.RecoveryRequest, incarnation: 'x' })).toBe(
      'RecoveryRequest: /incarnation must be integer',
    );
    expect(rejects({ ...valid.Heartbeat, src: '' })).toMatch(/^Heartbeat: \/src must NOT have fewer/);
  });

  it('checks snapshots deeply: key-value pairs and client high-water marks are typed tuples', () => {
    const sv = valid.StartView as Extract<Message, { type: 'StartView' }>;
    const bad = (snapshot: unknown) => rejects({ ...sv, snapshot });
    expect(bad({ ...sv.snapshot, kv: [['k']] })).toMatch(/^StartView: \/snapshot\/kv\/0/);
    expect(bad({ ...sv.snapshot, clients: [{ ...sv.snapshot!.clients[0], req: 'x' }] })).toMatch(
      /^StartView: \/snapshot\/clients\/0\/req/,
    );
    expect(bad({ ...sv.snapshot, last: 3 })).toMatch(/^StartView: \/snapshot\/last/);
    expect(bad({ index: 1, checksum: 'a', last: null, kv: [] })).toMatch(/clients/);
  });

  it('checks operations and log entries deeply', () => {
    expect(rejects({ ...valid.ClientRequest, op: { f: 'write', key: 'a' } })).toMatch(
      /^ClientRequest: \/op must have required property 'value'/,
    );
    expect(rejects({ ...valid.ClientRequest, op: { f: 'delete', key: 'a' } })).toMatch(
      /^ClientRequest: \/op\/f/,
    );
    expect(rejects({ ...valid.ClientRequest, op: { f: 'cas', key: 'a', value: 'b' } })).toMatch(/'expected'/);
    const badLog = [...entries, { ts: 9, client: 'c1', req: 'x', op: { f: 'read', key: 'k' } }];
    expect(rejects({ ...valid.StartView, log: badLog })).toBe('StartView: /log/4/req must be integer');
    const badOp = [{ ...entries[0]!, op: { f: 'read', key: 5 } }];
    expect(rejects({ ...valid.ViewChangeReply, log: badOp })).toBe(
      'ViewChangeReply: /log/0/op/key must be string',
    );
    expect(rejects({ ...valid.RepairReply, log: { 0: entries[0] } })).toBe('RepairReply: /log must be array');
  });

  it('rejects unknown types and non-objects', () => {
    expect(rejects({ type: 'Prepare', viewID: 1 })).toBe('unknown message type "Prepare"');
    expect(rejects({ viewID: 1 })).toMatch(/no string "type"/);
    expect(rejects([valid.Heartbeat])).toMatch(/not an object/);
    expect(rejects(null)).toMatch(/not an object/);
    expect(rejects(42)).toMatch(/not an object/);
    // A prototype key must not be mistaken for a message type.
    expect(rejects({ type: 'toString' })).toBe('unknown message type "toString"');
  });

  it('enforces allowed: a replica takes peer and client messages, a client only replies', () => {
    for (const t of [...PEER_MESSAGE_TYPES, ...CLIENT_MESSAGE_TYPES]) {
      expect(parseMessage(valid[t], REPLICA_ACCEPTS).ok).toBe(true);
      expect(rejects(valid[t], CLIENT_ACCEPTS)).toBe(`message type ${t} not accepted here`);
    }
    for (const t of REPLY_MESSAGE_TYPES) {
      expect(parseMessage(valid[t], CLIENT_ACCEPTS).ok).toBe(true);
      expect(rejects(valid[t], REPLICA_ACCEPTS)).toBe(`message type ${t} not accepted here`);
    }
    // A ClientReply schema must not let a ClientReply pass as a ReconcileReply-only endpoint, and vice versa.
    expect(rejects(valid.ClientReply, ['ReconcileReply'])).toMatch(/not accepted/);
  });
});

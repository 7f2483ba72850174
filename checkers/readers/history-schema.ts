/** JSON Schema of one line of jitter's history.jsonl (an Op of core/history.ts). */
export const OP_SCHEMA = {
  $id: 'https://jitter.dev/schemas/op.json',
  type: 'object',
  required: ['index', 'time', 'type', 'process', 'f'],
  additionalProperties: false,
  properties: {
    index: { type: 'integer', minimum: 0 },
    time: { type: 'number', minimum: 0 },
    type: { enum: ['invoke', 'ok', 'fail', 'info'] },
    process: { oneOf: [{ type: 'integer', minimum: 0 }, { const: 'nemesis' }] },
    f: { type: 'string', minLength: 1 },
    key: { type: 'string' },
    value: {},
    error: { type: 'string' },
    commit: {
      type: 'object',
      required: ['view', 'index', 'checksum'],
      additionalProperties: false,
      properties: {
        view: { type: 'integer', minimum: 0 },
        // 0 is what a read answered without a commit claims on an empty log (the local-reads flaw).
        index: { type: 'integer', minimum: 0 },
        checksum: { type: 'string' },
        client: { type: 'string' },
        req: { type: 'integer', minimum: 0 },
        ts: { type: 'number' },
      },
    },
  },
  // Client operations carry a value (null for a read's invocation); only the nemesis may omit it.
  if: { required: ['process'], properties: { process: { type: 'integer' } } },
  // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword, not a thenable
  then: { required: ['value'] },
} as const;

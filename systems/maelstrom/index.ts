/** Any Maelstrom node (`--bin "CMD ARGS"`) as a registered system, tested with Maelstrom's lin-kv workload. */
import { registerSystem } from '../registry.js';
import { MaelstromClient } from './client.js';
import { MaelstromDb } from './db.js';

export interface MaelstromOptions {
  bin: string;
  initTimeoutMs: number;
}

const options = (config: Readonly<Record<string, unknown>>): MaelstromOptions => ({
  initTimeoutMs: 10_000,
  ...(config.maelstrom as Partial<MaelstromOptions> | undefined),
  bin: String((config.maelstrom as { bin?: unknown } | undefined)?.bin ?? ''),
});

export const maelstromSystem = registerSystem({
  name: 'maelstrom',
  description: "any process speaking Maelstrom's protocol on stdin / stdout, as a lin-kv store",
  configSchema: {
    maelstrom: {
      type: 'object',
      additionalProperties: false,
      properties: {
        bin: { type: 'string', minLength: 1 },
        initTimeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
      },
    },
  },
  defaults: {},
  flags: [
    {
      option: '--bin <command>',
      description: 'the node\'s command line, e.g. "python3 node.py"',
      field: ['maelstrom', 'bin'],
    },
  ],
  // Nodes are plain processes: they can be paused and given an environment; jitter knows no primary of
  // theirs and cannot read their logs.
  capabilities: ['pause', 'env'],
  checkers: [],
  validate: (c) => (options(c).bin ? null : 'maelstrom.bin: the node command is required (--bin "CMD ARGS")'),
  make: (ctx) => {
    const o = options(ctx.config);
    return {
      db: new MaelstromDb({
        bin: o.bin,
        replicas: ctx.replicas,
        logFile: ctx.logFile,
        initTimeoutMs: o.initTimeoutMs,
      }),
      client: (c) => new MaelstromClient(c),
      describe: () => ({ system: 'maelstrom', bin: o.bin, replicas: ctx.replicas }),
    };
  },
});

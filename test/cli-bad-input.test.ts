/**
 * Bad input, everywhere: every command's flags and every config field fed malformed values (negative, zero,
 * non-numeric, huge, unknown names, wrong JSON types). Each must end in one line on stderr that names the flag
 * or field, exit 2, no stack trace, no process left behind, and nothing written to the store. Needs the build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, readConfigText, resolveConfig } from '../harness/config.js';
import { cliPath } from '../jitpaxos/cluster.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-bad-input-'));
const store = path.join(tmp, 'store');

interface Case {
  args: string[];
  /** What the one line must name (a flag, a field, a file). */
  names: string;
}

async function expectUsageError({ args, names }: Case): Promise<void> {
  const r = await execa(process.execPath, [cliPath(), ...args], {
    reject: false,
    timeout: 60_000,
    env: { NO_COLOR: '1' },
    // A case that wrongly started a run must not wait on a pipe the harness never closes.
    stdin: 'ignore',
  });
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const what = `jitter ${args.join(' ')}\n${r.stderr}`;
  expect(r.exitCode, what).toBe(2);
  expect(lines.length, what).toBe(1);
  expect(lines[0], what).toContain(names);
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
}

const flagCases: Case[] = [
  // test
  ...['-1', '0', 'abc', '', '1e9'].map((v) => ({ args: ['test', '--time-limit', v], names: '--time-limit' })),
  ...['-1', '0', 'x', '16', '2.5'].map((v) => ({ args: ['test', '--replicas', v], names: '--replicas' })),
  ...['-1', '0', 'x'].map((v) => ({ args: ['test', '--concurrency', v], names: '--concurrency' })),
  ...['-1', '0', 'x'].map((v) => ({ args: ['test', '--rate', v], names: '--rate' })),
  ...['-1', '0', 'x'].map((v) => ({ args: ['test', '--nemesis-interval', v], names: '--nemesis-interval' })),
  ...['-5', 'x', '99999999999'].map((v) => ({ args: ['test', '--seed', v], names: '--seed' })),
  ...['0', 'x'].map((v) => ({ args: ['test', '--clock-granularity', v], names: '--clock-granularity' })),
  { args: ['test', '--mode', 'nope'], names: '--mode' },
  { args: ['test', '--workload', 'nope'], names: '--workload' },
  { args: ['test', '--nemesis', 'bogus'], names: 'nemesis' },
  { args: ['test', '--flaw', 'nope'], names: 'flaws' },
  { args: ['test', '--toxiproxy', 'weird', '--store', store], names: 'toxiproxy' },
  { args: ['test', '--config', path.join(tmp, 'missing.json')], names: 'missing.json' },
  { args: ['test', '--schedule', path.join(tmp, 'missing.json')], names: 'missing.json' },
  { args: ['test', '--bogus'], names: '--bogus' },
  { args: ['test', '--mode', 'seed', '--flaw', 'local-reads'], names: 'flaws' },
  // nightly
  { args: ['nightly'], names: '--matrix' },
  { args: ['nightly', '--preset', 'nope'], names: '--preset' },
  { args: ['nightly', '--matrix', path.join(tmp, 'missing.json')], names: 'missing.json' },
  ...['0', '-1', 'x'].map((v) => ({
    args: ['nightly', '--preset', 'smoke', '--budget', v],
    names: '--budget',
  })),
  // analyze, repro, report, check
  { args: ['analyze', path.join(tmp, 'missing')], names: 'missing' },
  { args: ['analyze', tmp, '--timeout', '0'], names: '--timeout' },
  { args: ['repro', path.join(tmp, 'missing')], names: 'missing' },
  ...['0', '-1', 'x'].map((v) => ({ args: ['repro', tmp, '--times', v], names: '--times' })),
  { args: ['report', path.join(tmp, 'missing')], names: 'missing' },
  ...['0', '-1', 'x'].map((v) => ({ args: ['check', '--timeout', v, tmp], names: '--timeout' })),
  { args: ['check', '--initial', '{bad', tmp], names: '--initial' },
  { args: ['check', '--model', 'nope', tmp], names: '--model' },
  { args: ['check', '--format', 'nope', tmp], names: '--format' },
  // serve, cluster, replica, toxiproxy
  ...['x', '-1', '70000'].map((v) => ({ args: ['serve', '--port', v], names: '--port' })),
  ...['0', 'x'].map((v) => ({ args: ['cluster', '--replicas', v], names: '--replicas' })),
  ...['0', 'x'].map((v) => ({ args: ['cluster', '--load', v], names: '--load' })),
  ...['0', 'x'].map((v) => ({ args: ['cluster', '--clients', v], names: '--clients' })),
  { args: ['cluster', '--mode', 'nope'], names: '--mode' },
  { args: ['replica', '--id', 'r1'], names: '--listen' },
  { args: ['replica', '--id', 'r1', '--listen', 'nohost'], names: '--listen' },
  ...['-1', 'x', '70000'].map((v) => ({ args: ['toxiproxy', '--port', v], names: '--port' })),
  { args: ['toxiproxy', '--seed', 'x'], names: '--seed' },
  // the program itself
  { args: ['bogus'], names: 'bogus' },
];

/** Malformed values for one field of the config schema, from the field's own constraints. */
function badValues(field: string, schema: Record<string, unknown>): unknown[] {
  const bad: unknown[] = [null, { nested: true }];
  if (schema.type === 'integer' || schema.type === 'number') {
    bad.push('7', -1, 1e300);
    if (schema.type === 'integer') bad.push(1.5);
    if (typeof schema.minimum === 'number' && schema.minimum > 0) bad.push(schema.minimum - 1);
    if (schema.exclusiveMinimum === 0) bad.push(0);
  }
  if (schema.type === 'string') bad.push(5, '', field === 'name' ? 'has spaces' : true);
  if (schema.type === 'boolean') bad.push('yes', 1);
  if (schema.type === 'array') bad.push('x', [42], ['no-such-name']);
  if ('enum' in schema) bad.push('no-such-name', 3);
  if (field === 'schedule') bad.push([{ atMs: -1, fault: 'partition', action: 'start' }]);
  return bad.filter((v) => field !== '$schema' || typeof v !== 'string');
}

const properties = configSchema().properties as Record<string, Record<string, unknown>>;
const configCases: Array<{ field: string; value: unknown }> = Object.entries(properties).flatMap(
  ([field, schema]) => badValues(field, schema).map((value) => ({ field, value })),
);

/** Run cases a few at a time: each is a process start, and the machine has two cores. */
async function inBatches<T>(
  items: T[],
  each: (item: T, index: number) => Promise<void>,
  width = 4,
): Promise<void> {
  for (let i = 0; i < items.length; i += width)
    await Promise.all(items.slice(i, i + width).map((item, j) => each(item, i + j)));
}

describe('bad input gets one line naming the flag or field, and exit 2', () => {
  it('every command and flag', async () => {
    await inBatches(flagCases, expectUsageError);
    expect(fs.existsSync(store)).toBe(false);
  }, 600_000);

  it('every config field: one line naming it', () => {
    for (const { field, value } of configCases) {
      let message = '';
      try {
        resolveConfig(1, readConfigText(JSON.stringify({ [field]: value }), 'c.json'), {});
      } catch (err) {
        expect(err, `${field}=${JSON.stringify(value)}`).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message, `${field}=${JSON.stringify(value)}`).toMatch(
        new RegExp(`^c\\.json: ${field.replace('$', '\\$')}\\b`),
      );
      expect(message.split('\n')).toHaveLength(1);
    }
  });

  it('config errors through the CLI: a sample of fields, unknown fields, wrong JSON', async () => {
    const sample = configCases.filter((_, i) => i % 9 === 0);
    const texts: Array<[string, string]> = [
      ...sample.map(({ field, value }): [string, string] => [
        JSON.stringify({ store, [field]: value }),
        field,
      ]),
      ['{"bogus": 1}', 'bogus'],
      ['[]', 'top level'],
      ['"x"', 'top level'],
      ['{not json', 'not valid JSON'],
    ];
    await inBatches(texts, async ([text, names], i) => {
      const file = path.join(tmp, `config-${i}.json`);
      fs.writeFileSync(file, text);
      await expectUsageError({ args: ['test', '--config', file], names });
    });
    expect(fs.existsSync(store)).toBe(false);
  }, 600_000);

  it('a store that cannot be created is named, and no process stays behind', async () => {
    const file = path.join(tmp, 'not-a-folder');
    fs.writeFileSync(file, '');
    await expectUsageError({
      args: ['test', '--store', path.join(file, 'store'), '--time-limit', '1'],
      names: 'not-a-folder',
    });
    const left = await execa('pgrep', ['-f', file], { reject: false });
    expect(left.stdout.trim()).toBe('');
  }, 120_000);
});

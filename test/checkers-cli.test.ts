/** `jitter check`: verdict lines, JSON lines, directory walking and exit codes. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../checkers/cli.js';

const CORPUS = join(import.meta.dirname, 'fixtures/porcupine');

async function run(args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  process.exitCode = undefined;
  await checkCommand((t) => {
    out += t;
  }).parseAsync(args, { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out, code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('jitter check', () => {
  it('walks a directory, prints a verdict per file and a summary, and exits 1 on any invalid', async () => {
    const { out, code } = await run([join(CORPUS, 'kv')]);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/c01-bad\.txt\tINVALID\tmodel=kv ops=38 /);
    expect(lines[1]).toMatch(/c01-ok\.txt\tvalid\t/);
    expect(lines[6]).toBe('6 file(s): 3 valid, 3 invalid, 0 unknown');
    expect(code).toBe(1);
  });
  it('exits 0 when all are valid, and prints JSON lines with --json', async () => {
    const { out, code } = await run([
      '--json',
      join(CORPUS, 'etcd/etcd_002.log'),
      join(CORPUS, 'kv/c01-ok.txt'),
    ]);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.valid, r.ops, r.model])).toEqual([
      [true, 77, 'etcd-register'],
      [true, 58, 'kv'],
    ]);
    expect(typeof rows[0].ms).toBe('number');
    expect(code).toBe(0);
  });
  it('exits 2 on malformed input, naming file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitter-check-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      '{"index":0,"time":1,"type":"invoke","process":0,"f":"read","value":null}\n{"index":1}\n',
    );
    const { out, code } = await run(['--json', file]);
    const row = JSON.parse(out.trim());
    expect(row.valid).toBe('unknown');
    expect(row.error).toBe(`${file}:2: field "time": is missing`);
    expect(code).toBe(2);
  });
  it('applies --model and --initial', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitter-check-'));
    const file = join(dir, 'h.edn');
    writeFileSync(
      file,
      '[{:process 0 :type :invoke :f :read :value nil}\n {:process 0 :type :ok :f :read :value 7}]\n',
    );
    expect((await run([file])).code).toBe(1);
    expect((await run(['--initial', '7', file])).code).toBe(0);
    expect((await run(['--model', 'etcd-register', '--initial', '7', file])).code).toBe(0);
  });
  it('exits 2 when the time budget runs out, saying so', async () => {
    const { out, code } = await run(['--json', '--timeout', '0.000001', join(CORPUS, 'kv/c50-ok.txt')]);
    const row = JSON.parse(out.trim());
    expect(row.valid).toBe('unknown');
    expect(row.reason).toContain('time budget exhausted');
    expect(code).toBe(2);
  });
});

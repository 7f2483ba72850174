/** History readers: every format's variants, and malformed input named by file, line and field. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryError } from '../checkers/errors.js';
import { checkHistory } from '../checkers/linearizability.js';
import { parseHistory } from '../checkers/readers/index.js';
import { validateJsonlFile } from '../checkers/readers/jsonl.js';

function error(
  text: string,
  file: string,
  format: Parameters<typeof parseHistory>[2] = 'auto',
): HistoryError {
  try {
    parseHistory(text, file, format);
  } catch (err) {
    if (err instanceof HistoryError) return err;
    throw err;
  }
  throw new Error('expected a HistoryError');
}

describe('Jepsen EDN', () => {
  const vector = `[{:type :invoke, :f :write, :value 1, :process 0, :time 10, :index 0}
 {:type :ok, :f :write, :value 1, :process 0, :time 20, :index 1}
 ; a comment line
 {:type :info, :f :start, :value nil, :process :nemesis}
 {:type :invoke
  :f :cas
  :value [1 2]
  :process 1} ; a map over several lines, no commas
 {:type :ok :f :cas :value [1 2] :process 1}
 {:process 2 :type :invoke :f :read :value nil}
 {:process 2 :type :ok :f :read :value 2}]
`;
  it('reads a vector of maps with comments, multi-line maps, missing commas and a nemesis', () => {
    const { history, format, lines } = parseHistory(vector, 'h.edn');
    expect(format).toBe('jepsen-edn');
    expect(history).toHaveLength(7);
    expect(history[0]).toEqual({ index: 0, time: 10, type: 'invoke', process: 0, f: 'write', value: 1 });
    expect(history[2]).toMatchObject({ process: 'nemesis', f: 'start' });
    expect(history[3]).toMatchObject({ process: 1, f: 'cas', value: [1, 2] });
    expect(lines.slice(0, 5)).toEqual([1, 2, 4, 5, 9]);
    expect(checkHistory(history, { model: 'cas-register' }).valid).toBe(true);
  });
  it('reads a list, and bare maps one after another', () => {
    const list = vector.replace(/^\[/, '(').replace(/\]\n$/, ')\n');
    expect(parseHistory(list, 'h.edn').history).toHaveLength(7);
    const bare =
      '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 3}\n';
    expect(parseHistory(bare, 'h.edn').history[1]).toMatchObject({ type: 'ok', value: 3 });
  });
  it('reads tagged records', () => {
    const text =
      '[#jepsen.history.Op{:index 0, :time 5, :type :invoke, :process 0, :f :read, :value nil}\n #jepsen.history.Op{:index 1, :time 9, :type :ok, :process 0, :f :read, :value 4}]\n';
    const { history, lines } = parseHistory(text, 'tagged.edn');
    expect(history.map((op) => [op.type, op.value, op.time])).toEqual([
      ['invoke', null, 5],
      ['ok', 4, 9],
    ]);
    expect(lines).toEqual([1, 2]);
  });
  it('names the line of an unclosed map, a stray bracket, a bad field', () => {
    const unclosed = error(
      '[{:process 0 :type :invoke :f :read :value nil}\n {:process 0 :type :ok\n',
      'u.edn',
    );
    expect(unclosed.message).toBe('u.edn:2: "{" opened here is never closed');
    expect(error('{:process 0 :type :invoke :f :read :value nil}]\n', 's.edn').message).toMatch(
      /s\.edn:1: .*unmatched "\]"/,
    );
    expect(error('{:process 0 :type :invoke :f :read :value [1 2}\n', 'm.edn').message).toMatch(
      /does not close/,
    );
    const badType = error(
      '{:process 0 :type :invoke :f :read :value nil}\n{:process 0 :type :done :f :read :value 1}\n',
      't.edn',
    );
    expect([badType.file, badType.line, badType.field]).toEqual(['t.edn', 2, 'type']);
    const badProcess = error('{:process "x" :type :invoke :f :read :value nil}', 'p.edn');
    expect(badProcess.field).toBe('process');
    const noValue = error('\n\n{:process 0 :type :invoke :f :read}', 'v.edn');
    expect([noValue.line, noValue.field]).toEqual([3, 'value']);
    expect(error('{:process 0 :type :invoke :f :read :value nil}\n42\n', 'n.edn').message).toMatch(
      /n\.edn:2: expected an operation map/,
    );
  });
  it('names the line of a completion without an invocation', () => {
    const e = error(
      '{:process 0 :type :invoke :f :read :value nil}\n{:process 1 :type :ok :f :read :value 1}\n',
      'x.edn',
    );
    expect([e.line, e.field]).toEqual([2, 'process']);
    expect(e.message).toContain('no open invocation');
  });
});

describe('Porcupine etcd log', () => {
  it('splits on tabs or runs of spaces and maps timeouts to info', () => {
    const text =
      'INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 3   :invoke   :read   nil\nINFO  jepsen.util - 0\t:info\t:cas\t:timed-out\n';
    const { history, format } = parseHistory(text, 'x.log');
    expect(format).toBe('porcupine-etcd');
    expect(history.map((op) => [op.process, op.type, op.f, op.value])).toEqual([
      [0, 'invoke', 'cas', [1, 2]],
      [3, 'invoke', 'read', null],
      [0, 'info', 'cas', 'timed-out'],
    ]);
  });
  it('names the line and field of malformed input', () => {
    const base = 'INFO  jepsen.util - 0\t:invoke\t:read\tnil\n';
    expect(error(`${base}garbage\n`, 'e.log', 'porcupine-etcd').line).toBe(2);
    const type = error(`${base}INFO  jepsen.util - 0\t:done\t:read\t1\n`, 'e.log', 'porcupine-etcd');
    expect([type.line, type.field]).toEqual([2, 'type']);
    const value = error('INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2\n', 'e.log', 'porcupine-etcd');
    expect([value.line, value.field]).toEqual([1, 'value']);
    const proc = error('INFO  jepsen.util - x\t:invoke\t:read\tnil\n', 'e.log', 'porcupine-etcd');
    expect(proc.field).toBe('process');
  });
  it('reads an empty file as an empty, valid history', () => {
    expect(parseHistory('', 'empty.log', 'porcupine-etcd').history).toEqual([]);
  });
});

describe('Porcupine kv', () => {
  it('is recognised and read as EDN maps with string keys', () => {
    const text =
      '{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 0 y"}\n{:process 0, :type :ok, :f :append, :key "4", :value "x 0 0 y"}\n';
    const { history, format } = parseHistory(text, 'c.txt');
    expect(format).toBe('porcupine-kv');
    expect(history[0]).toMatchObject({ key: '4', f: 'append', value: 'x 0 0 y' });
  });
  it('names the line of a malformed map', () => {
    const e = error(
      '{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n{:process 0, :type :ok, :f :get, :key "1", :value "x}\n',
      'c.txt',
    );
    expect(e.line).toBe(2);
  });
});

describe('jitter JSONL', () => {
  const ok = [
    '{"index":0,"time":1,"type":"invoke","process":0,"f":"write","key":"k1","value":"3"}',
    '{"index":1,"time":2,"type":"info","process":"nemesis","f":"partition"}',
    '{"index":2,"time":3,"type":"ok","process":0,"f":"write","key":"k1","value":"3","commit":{"view":1,"index":1,"checksum":"ab","client":"c0","req":1,"ts":5}}',
  ].join('\n');
  it('reads operations with commit metadata', () => {
    const { history, format } = parseHistory(ok, 'h.jsonl');
    expect(format).toBe('jsonl');
    expect(history[2]!.commit).toEqual({ view: 1, index: 1, checksum: 'ab', client: 'c0', req: 1, ts: 5 });
    expect(history[1]!.process).toBe('nemesis');
  });
  it('names the line and field the schema rejects', () => {
    const lines = ok.split('\n');
    const bad = (i: number, line: string) => {
      const copy = [...lines];
      copy[i] = line;
      return error(copy.join('\n'), 'h.jsonl');
    };
    const type = bad(2, lines[2]!.replace('"ok"', '"done"'));
    expect([type.file, type.line, type.field]).toEqual(['h.jsonl', 3, 'type']);
    const missing = bad(0, '{"index":0,"time":1,"type":"invoke","process":0,"f":"write"}');
    expect([missing.line, missing.field]).toEqual([1, 'value']);
    const commit = bad(2, lines[2]!.replace('"view":1', '"view":"1"'));
    expect(commit.field).toBe('commit.view');
    const extra = bad(0, lines[0]!.replace('"f"', '"zzz":1,"f"'));
    expect(extra.field).toBe('zzz');
    expect(bad(1, '{"index":1, nope').message).toMatch(/h\.jsonl:2: invalid JSON/);
    const order = bad(2, lines[2]!.replace('"index":2', '"index":0'));
    expect([order.line, order.field]).toEqual([3, 'index']);
  });
  it('skips a torn last line (a crash mid-write), and only that', () => {
    const torn = `${ok}\n{"index":3,"time":4,"type":"inv`;
    expect(parseHistory(torn, 'h.jsonl').history).toHaveLength(3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-torn-'));
    const file = path.join(dir, 'history.jsonl');
    const fileError = (text: string): HistoryError => {
      fs.writeFileSync(file, text);
      try {
        validateJsonlFile(file);
      } catch (err) {
        if (err instanceof HistoryError) return err;
        throw err;
      }
      throw new Error('expected a HistoryError');
    };
    try {
      fs.writeFileSync(file, torn);
      expect(validateJsonlFile(file)).toBe(3);
      // The same fragment anywhere else is an error naming the line.
      const lines = ok.split('\n');
      const middle = [lines[0], '{"index":1,"time":2,"ty', lines[2]].join('\n');
      expect(error(middle, 'h.jsonl').line).toBe(2);
      const m = fileError(`${middle}\n`);
      expect([m.file, m.line]).toEqual([file, 2]);
      expect(m.message).toMatch(/invalid JSON/);
      // A last line ended by its newline was written whole: not torn, so an error.
      expect(error(`${torn}\n`, 'h.jsonl').line).toBe(4);
      expect(fileError(`${torn}\n`).line).toBe(4);
      // A whole last line that breaks the schema is an error even without its newline.
      const field = fileError(
        `${ok}\n{"index":3,"time":4,"type":"done","process":0,"f":"read","value":null}`,
      );
      expect([field.line, field.field]).toEqual([4, 'type']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

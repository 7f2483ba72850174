/**
 * A run killed mid-way (SIGKILL, no teardown) is still checkable: `jitter analyze` on its folder gives a
 * verdict even with a torn last history line, and the replicas and embedded Toxiproxy it started do not
 * outlive it, not even a replica the pause fault holds stopped, nor a real Toxiproxy binary (which ignores
 * its stdin; run with JITTER_REAL_TOXIPROXY set): core/reaper.ts SIGKILLs them. Needs the build; Linux (/proc).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { FILES } from '../core/store.js';
import { cliPath } from '../jitpaxos/cluster.js';

/** A process's parent and start time (to tell it from a later process given the same id), or null if gone. */
function stat(pid: number): { ppid: number; state: string; start: string } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]), start: f[19]! };
  } catch {
    return null;
  }
}

/** Every descendant of `root`, with its start time. */
function descendants(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  const start = new Map<number, string>();
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (!s) continue;
    parent.set(pid, s.ppid);
    start.set(pid, s.start);
  }
  const out = new Map<number, string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!out.has(pid) && (ppid === root || out.has(ppid))) {
        out.set(pid, start.get(pid)!);
        grew = true;
      }
    }
  }
  return out;
}

/** Still running: the same process (same start time), not a zombie waiting to be reaped. */
function alive(pid: number, startTime: string): boolean {
  const s = stat(pid);
  return !!s && s.start === startTime && s.state !== 'Z' && s.state !== 'X';
}

async function until<T>(what: string, f: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The folder of the one run under `store`, once its test.json is written. */
function runFolder(store: string): Promise<string> {
  return until(
    'the run folder',
    () => {
      for (const test of fs.readdirSync(store)) {
        const dir = path.join(store, test);
        if (!fs.statSync(dir).isDirectory()) continue;
        const stamp = fs.readdirSync(dir).find((d) => fs.existsSync(path.join(dir, d, FILES.test)));
        if (stamp) return path.join(dir, stamp);
      }
      return null;
    },
    120_000,
  );
}

const cmdline = (pid: number): string[] => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

/** `jitter test` with a long time limit, a fixed seed and its own store, plus `args`. */
function startRun(store: string, args: string[]) {
  const base = ['test', '--time-limit', '600', '--seed', '7', '--store', store, '--json'];
  return execa(process.execPath, [cliPath(), ...base, ...args], { reject: false, buffer: true });
}

/** SIGKILL the run, then wait for every process it had started (`children`) to be gone. */
async function killAndWaitForChildren(run: ReturnType<typeof startRun>, children: Map<number, string>) {
  run.kill('SIGKILL');
  const exit = await run;
  expect(exit.signal).toBe('SIGKILL');
  await until(
    'the killed run’s processes to exit',
    () => [...children].every(([pid, start]) => !alive(pid, start)),
    60_000,
  );
}

/**
 * A run whose schedule SIGSTOPs one replica early and never resumes it, SIGKILLed once that replica is
 * stopped: every process it started must still go (a stopped replica cannot see its stdin's EOF).
 */
async function killWhilePaused(
  toxiproxy: string,
): Promise<{ children: Map<number, string>; commands: string[][] }> {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-killed-paused-'));
  const schedule = path.join(store, 'schedule.json');
  fs.writeFileSync(
    schedule,
    JSON.stringify([
      { atMs: 500, fault: 'pause', action: 'start', params: { target: 'one', order: ['r2', 'r1', 'r3'] } },
    ]),
  );
  const run = startRun(store, [
    '--nemesis',
    'none',
    '--schedule',
    schedule,
    '--toxiproxy',
    toxiproxy,
    '--no-fsync',
  ]);
  try {
    await runFolder(store);
    const children = await until(
      'a replica stopped by the pause fault',
      () => {
        const d = descendants(run.pid!);
        return [...d.keys()].some((pid) => stat(pid)?.state === 'T') && d;
      },
      180_000,
    );
    const commands = [...children.keys()].map(cmdline);
    await killAndWaitForChildren(run, children);
    return { children, commands };
  } finally {
    run.kill('SIGKILL');
    await run.catch(() => {});
    fs.rmSync(store, { recursive: true, force: true });
  }
}

const lineCount = (file: string): number =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0;

describe.runIf(process.platform === 'linux')('a run killed mid-way', () => {
  it('is analyzed to a verdict, and leaves no process behind', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'jitter-killed-'));
    const run = startRun(store, [
      '--nemesis',
      'partition',
      '--nemesis-interval',
      '1',
      '--toxiproxy',
      'embedded',
    ]);
    try {
      const runDir = await runFolder(store);
      const history = path.join(runDir, FILES.history);
      // Well into the main phase: operations recorded, with faults among them.
      await until('300 history events', () => lineCount(history) > 300, 180_000);
      const children = descendants(run.pid!);
      // Three replicas and the embedded Toxiproxy, at least.
      expect(children.size).toBeGreaterThanOrEqual(4);

      await killAndWaitForChildren(run, children);
      expect(fs.existsSync(path.join(runDir, FILES.results))).toBe(false);

      // A crash in the middle of writing an event leaves half a line.
      fs.appendFileSync(history, '{"index":999999,"time":1,"type":"inv');
      const r = await execa(process.execPath, [cliPath(), 'analyze', runDir, '--json'], {
        reject: false,
        timeout: 240_000,
      });
      expect(r.stderr).not.toMatch(/error/i);
      expect([0, 1, 2]).toContain(r.exitCode);
      const out = JSON.parse(r.stdout.trim()) as { valid: unknown; ops: { total: number } };
      expect([true, false, 'unknown']).toContain(out.valid);
      expect(out.ops.total).toBeGreaterThan(100);
      expect(fs.existsSync(path.join(runDir, FILES.results))).toBe(true);

      // A bad line in the middle is still refused, naming file and line.
      const lines = fs.readFileSync(history, 'utf8').split('\n');
      lines[5] = lines[5]!.slice(0, 10);
      fs.writeFileSync(history, lines.join('\n'));
      const bad = await execa(process.execPath, [cliPath(), 'analyze', runDir], { reject: false });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain(`${history}:6`);
    } finally {
      run.kill('SIGKILL');
      await run.catch(() => {});
      fs.rmSync(store, { recursive: true, force: true });
    }
  }, 600_000);

  it('leaves no replica behind that the pause fault stopped', async () => {
    const { children } = await killWhilePaused('embedded');
    // Three replicas, the embedded Toxiproxy and the reaper, at least.
    expect(children.size).toBeGreaterThanOrEqual(5);
  }, 600_000);

  const real = process.env.JITTER_REAL_TOXIPROXY;
  it.runIf(!!real)(
    'leaves no real Toxiproxy binary behind (it ignores its stdin)',
    async () => {
      const { commands } = await killWhilePaused(`bin:${real}`);
      expect(commands.some((c) => c[0] === real)).toBe(true);
    },
    600_000,
  );
});

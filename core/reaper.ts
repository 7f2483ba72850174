/**
 * Children die with the harness, even when it is SIGKILLed. Replicas and the embedded Toxiproxy exit on
 * stdin EOF, but a SIGSTOPped one never sees it, and a real Toxiproxy binary ignores its stdin. So the
 * first guarded child lazily starts one sidecar (core/reaper-sidecar.ts) per harness process, on a stdin
 * pipe we never close; when that pipe ends (we exited or died) it SIGKILLs every pid still registered.
 * Linux only (/proc start times make pid reuse safe); elsewhere guarding does nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A process's start time (field 22 of /proc/<pid>/stat), or null if unknown or gone. */
export function startTime(pid: number): string | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** dist/core/reaper-sidecar.js, whether we run from dist/ or (under vitest) from the sources. */
function sidecarPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.js')
    ? path.join(path.dirname(here), 'reaper-sidecar.js')
    : path.resolve(path.dirname(here), '../dist/core/reaper-sidecar.js');
}

let sidecar: ChildProcess | null | undefined;

/** The sidecar, started on first use; null if it cannot run here. */
function ensureSidecar(): ChildProcess | null {
  if (sidecar !== undefined) return sidecar;
  const script = sidecarPath();
  if (process.platform !== 'linux' || !fs.existsSync(script)) {
    sidecar = null;
    return null;
  }
  // stdout/stderr ignored: holding ours open would keep whoever reads them waiting after we exit.
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => {
    sidecar = null;
  });
  child.stdin!.on('error', () => {});
  // Neither the process nor its pipe may keep our event loop alive: the harness exits as it always did.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  sidecar = child;
  return child;
}

function send(line: string): void {
  const s = ensureSidecar();
  if (s?.stdin?.writable) s.stdin.write(`${line}\n`);
}

/**
 * Have `child` SIGKILLed if this process ends (however) while it still runs; it is forgotten when it exits.
 * Call right after spawning it.
 */
export function guardChild(child: Pick<ChildProcess, 'pid' | 'once'>): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const start = startTime(pid);
  if (start === null) return;
  send(`+${pid} ${start}`);
  child.once('exit', () => send(`-${pid}`));
}

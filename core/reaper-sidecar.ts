/**
 * The reaper's sidecar (see core/reaper.ts): reads "+PID START" / "-PID" lines on stdin and, when stdin
 * ends, SIGKILLs each still-registered pid whose start time still matches (not a later process given the
 * same pid), then exits. SIGKILL works on a SIGSTOPped process too.
 */
import { startTime } from './reaper.js';

// A terminal Ctrl-C (or a hang-up) hits the whole process group; the harness tears down gracefully itself,
// and we must outlive it to clean up after it.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});

const registered = new Map<number, string>();
let buf = '';

function reap(): void {
  for (const [pid, start] of registered) {
    if (startTime(pid) !== start) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  process.exit(0);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => {
  buf += d;
  let nl = buf.indexOf('\n');
  while (nl >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    nl = buf.indexOf('\n');
    const [pid, start] = line.slice(1).split(' ');
    if (line[0] === '+' && start) registered.set(Number(pid), start);
    else if (line[0] === '-') registered.delete(Number(pid));
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);

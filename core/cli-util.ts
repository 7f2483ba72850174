/** Small pieces every subcommand shares: argument parsers that name the flag, and child-process hygiene. */
import { InvalidArgumentError } from 'commander';

/** A commander parser for an integer flag in [min, max], whose error names the flag. */
export function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A commander parser for host:port. */
export function hostPortArg(name: string) {
  return (value: string): { host: string; port: number } => parseHostPort(name, value);
}

export function parseHostPort(name: string, value: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`${name} must be host:port (got "${value}").`);
  return { host: m[1]!, port };
}

/**
 * Exit when whoever started us is gone: stdin reaches EOF, or we get re-parented. The harness keeps a pipe
 * to each child's stdin and never closes it, so even a SIGKILL of the harness leaves no child behind.
 */
export function exitWithParent(stop: () => Promise<void>): void {
  const parent = process.ppid;
  const leave = () => void stop().finally(() => process.exit(0));
  process.stdin.on('end', leave).on('close', leave).on('error', leave);
  process.stdin.resume();
  setInterval(() => {
    if (process.ppid !== parent) leave();
  }, 500).unref();
}

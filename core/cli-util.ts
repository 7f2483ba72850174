/** Small pieces every subcommand shares: argument parsers that name the flag, and child-process hygiene. */
import fs from 'node:fs';
import path from 'node:path';
import { type Command, CommanderError, InvalidArgumentError } from 'commander';

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

/** A commander parser for a number in (0, max], whose error names the flag. */
export function positiveArg(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
      const most = max === Number.MAX_SAFE_INTEGER ? '' : ` and at most ${max}`;
      throw new InvalidArgumentError(`${name} must be a number above 0${most}.`);
    }
    return n;
  };
}

/** A commander collector for a repeatable flag: every value, in order. */
export function collectArg(value: string, previous: string[] = []): string[] {
  return [...previous, value];
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
 * A commander parser for a folder the command may create: it, or the nearest part of its path that exists,
 * must be a folder. Checked at parse time, so nothing is created or started for a path that cannot work.
 */
export function dirArg(name: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${name} must be a folder (got "").`);
    for (let p = path.resolve(value); ; p = path.dirname(p)) {
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR')
          throw new InvalidArgumentError(`${name}: cannot use ${p}: ${code}.`);
      }
      if (st && !st.isDirectory()) throw new InvalidArgumentError(`${name}: ${p} is not a folder.`);
      if (st || p === path.dirname(p)) return value;
    }
  };
}

/** A commander parser for a host name or address to listen on (not empty, no spaces or URL parts). */
export function hostArg(name: string) {
  return (value: string): string => {
    if (!/^(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z_.:%-]+)$/.test(value))
      throw new InvalidArgumentError(`${name} must be a host name or IP address (got "${value}").`);
    return value.replace(/^\[(.*)\]$/, '$1');
  };
}

/** Listening failed: say which flag's address, in one line (e.g. getaddrinfo ENOTFOUND, EADDRINUSE). */
export function listenError(flag: string, address: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  return new Error(`${flag}: cannot listen on ${address}: ${e.code ?? e.message ?? String(err)}`);
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

/**
 * Usage errors exit 2 (as "unknown"), so that 1 keeps meaning "invalid" for every command, and print one line:
 * commander's message names the flag; the "--help" hint would be a second line. Applied to the whole tree,
 * so each command need not remember it.
 */
export function usageErrorsExit2(cmd: Command): Command {
  cmd.showHelpAfterError(false);
  // commander puts "(Did you mean --x?)" on a line of its own: keep it, on the error's line.
  cmd.configureOutput({ outputError: (text, write) => write(`${text.trimEnd().replace(/\n+/g, ' ')}\n`) });
  cmd.exitOverride((err) => {
    throw err;
  });
  for (const sub of cmd.commands) usageErrorsExit2(sub);
  return cmd;
}

/**
 * Run a program: usage errors and any error an action throws end as one line on stderr and exit 2, with no
 * stack trace (JITTER_DEBUG=1 shows it).
 */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  try {
    await usageErrorsExit2(program).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed its message already; help and --version are not errors.
      const ok =
        err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0;
      process.exit(ok ? 0 : 2);
    }
    if (process.env.JITTER_DEBUG) console.error(err);
    else process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(2);
  }
}

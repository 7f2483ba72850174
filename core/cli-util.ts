/** Small pieces every subcommand shares: argument parsers that name the flag, and child-process hygiene. */
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

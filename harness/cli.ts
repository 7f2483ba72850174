#!/usr/bin/env node
/**
 * The `jitter` binary. Each concern registers its own subcommands, so this file only assembles them.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { checkCommand } from '../checkers/cli.js';
import { runCli } from '../core/cli-util.js';
import { clusterCommand, replicaCommand } from '../jitpaxos/cli.js';
import { reportCommand, serveCommand } from '../reports/cli.js';
import { simCommand } from '../sim/command.js';
import { shrinkCommand } from '../sim/shrink-command.js';
import { toxiproxyCommand } from '../toxiproxy/cli.js';
import { analyzeCommand } from './analyze-command.js';
import { nightlyCommand } from './nightly.js';
import { writeRunReport } from './reporting.js';
import { reproCommand } from './repro-command.js';
import { testCommand } from './test-command.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('jitter')
    .description('Jepsen-style fault-injection harness for Just-In-Time Paxos')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  // Subcommands (one line each, added by the module that owns them):
  program.addCommand(testCommand());
  program.addCommand(nightlyCommand());
  program.addCommand(analyzeCommand({ report: (dir) => writeRunReport(dir) }));
  program.addCommand(reproCommand());
  program.addCommand(replicaCommand());
  program.addCommand(clusterCommand());
  program.addCommand(toxiproxyCommand());
  program.addCommand(checkCommand());
  program.addCommand(reportCommand());
  program.addCommand(serveCommand());
  program.addCommand(simCommand());
  program.addCommand(shrinkCommand());
  return program;
}

// Run only when executed (directly or through the npm bin link), not when imported by tests.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  await runCli(buildProgram(), process.argv);
}

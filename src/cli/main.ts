#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { loadCommands } from './commands.js';
import { CliError } from './cli-error.js';

/** Entry point of the `perf-engine` binary. */
async function main(argv: string[]): Promise<number> {
  const program = new Command('perf-engine')
    .description('Performance Engine Agent: monitors, profiles and diagnoses a multi-agent platform')
    .version(VERSION)
    .exitOverride()
    // Options are read by the command they follow, so a command and its subcommands may share option names.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const factory of await loadCommands()) program.addCommand(factory().exitOverride());
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      process.stderr.write(`perf-engine: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`perf-engine: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const VERSION = '0.1.0';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`perf-engine: ${String(err)}\n`);
    process.exitCode = 1;
  },
);

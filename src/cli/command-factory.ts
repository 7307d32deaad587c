import type { Command } from 'commander';

/** A CLI subcommand: builds its commander `Command`. One file per command group. */
export type CommandFactory = () => Command;

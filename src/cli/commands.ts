import type { CommandFactory } from './command-factory.js';

/** The install list of subcommands, in the order `--help` shows them. */
export async function loadCommands(): Promise<CommandFactory[]> {
  const modules = await Promise.all([
    import('./start.js'),
    import('./migrate.js'),
    import('./status.js'),
    import('./config.js'),
    import('./sources.js'),
    import('./metrics.js'),
    import('./schemas.js'),
    import('./detect.js'),
    import('./profile-capture.js'),
    import('./simulate.js'),
    import('./alerts.js'),
    import('./bottlenecks.js'),
    import('./advise.js'),
    import('./optimizations.js'),
    import('./report.js'),
  ]);
  return modules.map((m) => m.default);
}

import { Command } from 'commander';
import { ConfigStore } from '../config/config-store.js';
import { ConfigError } from '../config/validate.js';
import { createLogger } from '../lifecycle/logger.js';
import { applyHeapGrowth } from '../lifecycle/heap-growth.js';
import { PerformanceEngine } from '../engine/engine.js';
import { CliError } from './cli-error.js';
import { loadCliConfig, withConfigOption } from './shared.js';

/** `perf-engine start`: runs the engine until SIGINT/SIGTERM. */
export default function startCommand(): Command {
  return withConfigOption(new Command('start'))
    .description('run the engine (embedded PGlite and in-process bus unless DATABASE_URL / NATS are available)')
    .action(async (opts: { config?: string }) => {
      const loaded = loadCliConfig(opts.config);
      const log = createLogger({ level: loaded.config.log_level, name: 'perf-engine' });
      applyHeapGrowth(loaded.config.heap_growth_percent);
      const engine = new PerformanceEngine(new ConfigStore(loaded), log);
      try {
        await engine.start();
      } catch (err) {
        log.fatal({ err }, 'engine failed to start');
        // A listening address the tokens do not protect is a configuration error, like a bad value.
        if (err instanceof ConfigError) throw new CliError(`invalid configuration: ${err.message}`, 2);
        throw new CliError(`engine failed to start: ${(err as Error).message}`);
      }
      await new Promise<void>((resolve) => {
        engine.agent.handleSignals((code) => {
          log.info({ code }, 'performance engine stopped');
          process.exitCode = code;
          resolve();
        });
      });
    });
}

import { Command } from 'commander';
import { describeDb } from '../store/open-db.js';
import { migrate } from '../store/migrate.js';
import { CliError } from './cli-error.js';
import { loadCliConfig, println, withConfigOption, withDirectDb } from './shared.js';

/** `perf-engine migrate`: applies pending migrations and says which. */
export default function migrateCommand(): Command {
  return withConfigOption(new Command('migrate'))
    .description('apply pending database migrations (idempotent)')
    .action(async (opts: { config?: string }) => {
      const { config } = loadCliConfig(opts.config);
      const where = describeDb({ databaseUrl: config.database_url, schema: config.database_schema, dataDir: config.data_dir });
      const result = await withDirectDb(config, (db) => migrate(db), { migrate: false });
      if (result === null) {
        throw new CliError(`a running engine holds ${where}; it applied the migrations when it started`);
      }
      if (result.applied.length === 0) println(`${where}: up to date at version ${result.current}`);
      else for (const m of result.applied) println(`${where}: applied ${m.version} ${m.name}`);
    });
}

import { Command } from 'commander';
import { describeDb } from '../store/open-db.js';
import { migrate } from '../store/migrate.js';
import { backfillTiers } from '../store/tier-backfill.js';
import { CliError } from './cli-error.js';
import { loadCliConfig, println, withConfigOption, withDirectDb } from './shared.js';

const HOUR_MS = 3_600_000;

/** `perf-engine migrate`: applies pending migrations and says which; `--backfill-tiers` then folds older raw samples into the tiers. */
export default function migrateCommand(): Command {
  return withConfigOption(new Command('migrate'))
    .description('apply pending database migrations (idempotent)')
    .option('--backfill-tiers', 'then fold the raw samples stored before the tiers existed (migration 007) into the 1m, 5m and 1h tiers, where they have no bucket (idempotent, resumable; docs/storage.md#backfill-of-the-tiers)')
    .option('--batch-hours <n>', 'hours of raw samples per backfill transaction', '6')
    .action(async (opts: { config?: string; backfillTiers?: boolean; batchHours: string }) => {
      const { config } = loadCliConfig(opts.config);
      const batchHours = Number(opts.batchHours);
      if (!Number.isInteger(batchHours) || batchHours < 1 || batchHours > 24 * 7) throw new CliError(`--batch-hours: expected a whole number from 1 to 168, got ${opts.batchHours}`);
      const where = describeDb({ databaseUrl: config.database_url, schema: config.database_schema, dataDir: config.data_dir });
      const result = await withDirectDb(
        config,
        async (db) => {
          const migrated = await migrate(db);
          if (!opts.backfillTiers) return { migrated, backfill: null };
          const backfill = await backfillTiers(db, {
            retentionDays: { '1m': config.store_tier_1m_retention_days, '5m': config.store_tier_5m_retention_days, '1h': config.store_tier_1h_retention_days },
            batchMs: batchHours * HOUR_MS,
            now: Date.now(),
            progress: (p) => process.stderr.write(`backfill ${p.tier}: ${new Date(p.from).toISOString()} to ${new Date(p.to).toISOString()}: ${p.rows} buckets\n`),
          });
          return { migrated, backfill };
        },
        { migrate: false },
      );
      if (result === null) {
        throw new CliError(`a running engine holds ${where}; it applied the migrations when it started${opts.backfillTiers ? ' (stop it to backfill the tiers of an embedded store)' : ''}`);
      }
      const { migrated, backfill } = result;
      if (migrated.applied.length === 0) println(`${where}: up to date at version ${migrated.current}`);
      else for (const m of migrated.applied) println(`${where}: applied ${m.version} ${m.name}`);
      for (const t of backfill?.tiers ?? []) {
        println(t.from === null ? `tier ${t.tier}: nothing to backfill` : `tier ${t.tier}: ${t.rows} buckets from ${new Date(t.from).toISOString()} to ${new Date(t.to!).toISOString()} in ${t.batches} batches`);
      }
    });
}

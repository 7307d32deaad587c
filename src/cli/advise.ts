import { Command } from 'commander';
import { resolveDbTargets } from '../optimize/db/db-targets.js';
import type { DbFindings } from '../optimize/db/db-findings.js';
import { adviseTarget } from '../optimize/stage/db/advise-target.js';
import { advisorSettings } from '../optimize/stage/db/db-advisor-stage.js';
import { openPgSession } from '../store/pg-session.js';
import { findingsText, missingLines } from './advise-print.js';
import { loadCliConfig, println, withConfigOption } from './shared.js';

interface DbFlags {
  config?: string;
  json?: boolean;
  database?: string;
}

function dbCommand(): Command {
  return withConfigOption(new Command('db'))
    .description(
      'the database advisor now, without waiting for a bottleneck: statements ranked by time, proposed indexes with planner cost before and after and their DDL, unused and duplicate indexes, lock waits, cache hit ratio, and what is missing (docs/optimization-db.md)',
    )
    .option('--database <url>', 'a postgres:// URL, or a database name on the server of database_url (default: optimize_databases, else the engine database)')
    .option('--json', 'print {"missing": [...], "databases": [findings...]}')
    .action(async (flags: DbFlags) => {
      const { config } = loadCliConfig(flags.config);
      const resolved = resolveDbTargets(flags.database === undefined ? config.optimize_databases : [flags.database], config.database_url);
      const open = (url: string) => openPgSession(url, { applicationName: 'perf-engine advise' });
      const databases: DbFindings[] = [];
      for (const t of resolved.targets) {
        databases.push((await adviseTarget(open, t.url, { settings: advisorSettings(config), memory: null, windowMs: null })).findings);
      }
      if (flags.json) println(JSON.stringify({ missing: resolved.missing, databases }));
      else {
        const parts = [...(resolved.missing.length > 0 ? [['no database to advise on:', ...missingLines(resolved.missing)].join('\n')] : []), ...databases.map(findingsText)];
        println(parts.join('\n\n'));
      }
      if (resolved.targets.length === 0 || databases.some((d) => d.error !== null)) process.exitCode = 1;
    });
}

/** `perf-engine advise`: advisors run on demand (`advise db`). */
export default function adviseCommand(): Command {
  return new Command('advise').description('run an advisor now and print its findings (db: the database advisor)').addCommand(dbCommand());
}

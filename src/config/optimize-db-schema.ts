import { Type } from '@sinclair/typebox';

/** The database advisor's keys of the configuration schema (docs/optimization-db.md). */
export const OPTIMIZE_DB_KEYS = {
  optimize_databases: Type.Array(Type.String({ minLength: 1 }), {
    maxItems: 50,
    description:
      "PostgreSQL databases the database advisor watches: postgres:// URLs, or names of databases on the server of database_url; empty: the engine's own database when it is PostgreSQL (PGlite has no pg_stat_statements).",
  }),
  optimize_db_interval_seconds: Type.Integer({
    minimum: 0,
    maximum: 86400,
    description: 'How often the database advisor reads, plans and proposes (0: never; `perf-engine advise db` still works).',
  }),
  optimize_db_series_interval_seconds: Type.Number({
    minimum: 0,
    maximum: 86400,
    description:
      "Seconds between readings of the statements an index proposal is judged on (db_statement_mean_ms, db_statement_calls_per_sec); 0: monitoring_interval_seconds. At least 0.1 when set.",
  }),
  optimize_limits_interval_seconds: Type.Integer({
    minimum: 1,
    maximum: 86400,
    description: 'How often the resource-limits advisor looks at the cgroups of the watched processes (read at start).',
  }),
  optimize_limits_min_samples: Type.Integer({
    minimum: 5,
    maximum: 100000,
    description: "Fewest snapshots of a process (in the advisor's day) before the resource-limits advisor recommends its limits (read at start).",
  }),
  optimize_db_min_gain: Type.Number({
    minimum: 0.05,
    maximum: 0.99,
    description: "Least cut of a statement's planner cost for an index to be proposed (0.5: to half or less).",
  }),
  optimize_db_write_heavy_factor: Type.Number({
    minimum: 1,
    maximum: 100,
    description: 'On a write-heavy table (more rows written than read) the cost left by an index must be this many times smaller still (2 with min gain 0.5: a cut of 75 %).',
  }),
  optimize_db_max_statements: Type.Integer({
    minimum: 1,
    maximum: 100,
    description: 'Most statements planned per pass, the most time-consuming first (fewer when a pass takes over 1 % of the interval).',
  }),
  optimize_db_unused_min_days: Type.Number({
    minimum: 0,
    maximum: 3650,
    description: 'Days without a scan after which an index is reported unused and proposed for dropping.',
  }),
};

/** Defaults of the database advisor's keys. */
export const OPTIMIZE_DB_DEFAULTS = {
  optimize_databases: [] as string[],
  optimize_db_interval_seconds: 300,
  optimize_db_series_interval_seconds: 0,
  optimize_limits_interval_seconds: 900,
  optimize_limits_min_samples: 20,
  optimize_db_min_gain: 0.5,
  optimize_db_write_heavy_factor: 2,
  optimize_db_max_statements: 10,
  optimize_db_unused_min_days: 7,
};

/** Database advisor keys a live update may change (not the databases: they are connections). */
export const OPTIMIZE_DB_LIVE_KEYS = [
  'optimize_db_interval_seconds',
  'optimize_db_series_interval_seconds',
  'optimize_db_min_gain',
  'optimize_db_write_heavy_factor',
  'optimize_db_max_statements',
  'optimize_db_unused_min_days',
] as const;

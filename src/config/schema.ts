import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { NAME_PATTERN } from '../model/metric-names.js';
import { DELIVERY_DEFAULTS, DELIVERY_KEYS } from './delivery-schema.js';
import { DIAGNOSIS_DEFAULTS, DIAGNOSIS_KEYS, DIAGNOSIS_LIVE_KEYS } from './diagnosis-schema.js';
import { HTTP_ACCESS_DEFAULTS, HTTP_ACCESS_KEYS, HTTP_SECRET_KEYS } from './http-schema.js';
import { OPTIMIZE_DB_DEFAULTS, OPTIMIZE_DB_KEYS, OPTIMIZE_DB_LIVE_KEYS } from './optimize-db-schema.js';
import { DURABILITY_DEFAULTS, DURABILITY_KEYS } from './durability-schema.js';
import { REPORT_DEFAULTS, REPORT_KEYS, REPORT_LIVE_KEYS } from './report-config-schema.js';
import { PROFILING_DEFAULTS, PROFILING_KEYS, PROFILING_LIVE_KEYS } from './profiling-schema.js';
import { OPTIMIZATION_DEFAULTS, OPTIMIZATION_KEYS, OPTIMIZATION_LIVE_KEYS } from './optimization-schema.js';
import { TIER_DEFAULTS, TIER_KEYS } from './tiers-schema.js';
import { CARDINALITY_CEILING_KEYS, CARDINALITY_DEFAULTS, CARDINALITY_KEYS, PARTITION_DEFAULTS, PARTITION_KEYS } from './cardinality-schema.js';

const nullableString = (description: string) =>
  Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description });

/** One threshold rule's levels and behaviour; also the shape of a per-source override. */
const thresholdLevels = {
  warning: Type.Optional(Type.Number({ description: 'level that raises a warning' })),
  critical: Type.Optional(Type.Number({ description: 'level that raises a critical alert' })),
  direction: Type.Optional(
    Type.Union([Type.Literal('above'), Type.Literal('below')], {
      description: 'fire when the value is above (default) or below the level',
    }),
  ),
  for_seconds: Type.Optional(
    Type.Number({ minimum: 0, maximum: 86400, description: 'hold time before a pending alert fires' }),
  ),
  clear: Type.Optional(
    Type.Number({ description: 'hysteresis: the value must cross back past this level to resolve' }),
  ),
  renotify_seconds: Type.Optional(
    Type.Number({ minimum: 0, maximum: 604800, description: 're-send a firing alert at this interval (0: never)' }),
  ),
  keep_firing_seconds: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 86400,
      description: 'a firing alert whose condition clears stays firing this long; a return in time continues the episode (flap merge)',
    }),
  ),
};

const seconds = (max: number, description: string) => Type.Optional(Type.Number({ minimum: 0, maximum: max, description }));

/** Settings of degradation alerts (departures from a series' own baseline); absent fields take their defaults. */
export const DegradationSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'raise degradation alerts at all' })),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'anomaly score that opens a candidate episode' })),
    min_spreads: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'departure from the baseline, in spreads, needed to count as degraded' })),
    min_change: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1000, description: 'departure relative to the baseline (0.25 = 25%) needed to count as degraded' }),
    ),
    min_samples: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000000, description: 'samples a series must have been learned from first' })),
    for_seconds: seconds(86400, 'the departure must hold this long (event time) before the alert fires'),
    keep_firing_seconds: seconds(86400, 'a firing degradation stays firing this long after the series returns'),
    critical_factor: Type.Optional(
      Type.Number({ minimum: 1, maximum: 1000, description: 'critical when the departure is this many times the warning departure' }),
    ),
    cooldown_seconds: seconds(604800, 'after an episode resolves, anomalies of the series are ignored this long'),
    accept_after_seconds: seconds(604800, 'a degradation firing this long is accepted as the new baseline and resolves (0: never)'),
    exclude_sources: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100, description: 'globs of sources never given degradation alerts' })),
    exclude_metrics: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100, description: 'globs of metrics never given degradation alerts' })),
  },
  {
    additionalProperties: false,
    description: 'Degradation alerts: a series departing from its own baseline, without a threshold (see docs/alerting.md).',
  },
);
export type DegradationSettings = Static<typeof DegradationSchema>;

/** Every degradation setting's default (docs/alerting.md). */
export const DEGRADATION_DEFAULTS: Readonly<Required<DegradationSettings>> = Object.freeze({
  enabled: true,
  min_score: 0.7,
  min_spreads: 6,
  min_change: 0.25,
  min_samples: 300,
  for_seconds: 120,
  keep_firing_seconds: 120,
  critical_factor: 3,
  cooldown_seconds: 1800,
  accept_after_seconds: 3600,
  exclude_sources: [],
  exclude_metrics: [],
});

/** A threshold rule for one metric (`alert_thresholds` value). */
export const ThresholdRuleSchema = Type.Object(
  {
    ...thresholdLevels,
    overrides: Type.Optional(
      Type.Array(
        Type.Object(
          {
            source: Type.String({ minLength: 1, description: 'glob on the source name (* and ?)' }),
            ...thresholdLevels,
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ThresholdRule = Static<typeof ThresholdRuleSchema>;

/**
 * Every configuration key, with its type, bounds and description. One schema validates every
 * source: defaults, config file, environment and live updates.
 */
export const ConfigSchema = Type.Object(
  {
    monitoring_interval_seconds: Type.Integer({
      minimum: 1,
      maximum: 86400,
      description: 'How often host and processes are collected, in seconds.',
    }),
    profiling_schedule: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description: 'Cron expression (5 or 6 fields) for scheduled profiling, or null for none.',
    }),
    alert_thresholds: Type.Record(Type.String({ pattern: NAME_PATTERN }), ThresholdRuleSchema, {
      description: 'Alert rules per metric name, e.g. {"cpu_usage": {"critical": 90}}.',
    }),
    enable_auto_profiling: Type.Boolean({
      description: 'Profile the affected agent automatically when a bottleneck is detected.',
    }),
    data_retention_days: Type.Integer({
      minimum: 1,
      maximum: 36500,
      description: 'Days of data kept in every table; older data is removed by the retention job, and older snapshots are refused at ingest.',
    }),
    ...PROFILING_KEYS,
    database_url: nullableString(
      'PostgreSQL connection URL; null stores into the embedded PGlite database in data_dir.',
    ),
    database_schema: Type.String({
      pattern: '^[a-z_][a-z0-9_]{0,62}$',
      description: 'PostgreSQL schema holding the tables.',
    }),
    nats_url: nullableString(
      'NATS server URL(s), comma-separated; null tries nats://127.0.0.1:4222 and falls back to an in-process bus.',
    ),
    nats_subject_prefix: Type.String({
      pattern: '^([A-Za-z0-9_-]+\\.)*$',
      description:
        'Prefix of every subject (e.g. "staging."), to run isolated platforms on one NATS server; empty for the PROTOCOL.md subjects.',
    }),
    nats_user: nullableString('NATS user name.'),
    nats_password: nullableString('NATS password (secret).'),
    nats_token: nullableString('NATS authentication token (secret).'),
    nats_creds_file: nullableString('Path of a NATS credentials (.creds) file.'),
    nats_tls_ca_file: nullableString('Path of a CA certificate for NATS TLS.'),
    nats_tls_cert_file: nullableString('Path of a client certificate for NATS TLS.'),
    nats_tls_key_file: nullableString('Path of the client key for NATS TLS.'),
    http_host: Type.String({ minLength: 1, description: 'Address the HTTP server listens on.' }),
    http_port: Type.Integer({ minimum: 0, maximum: 65535, description: 'HTTP port (0: any free port).' }),
    ...HTTP_ACCESS_KEYS,
    data_dir: Type.String({ minLength: 1, description: 'Folder for the embedded database and the lock file.' }),
    host_name: nullableString("Source name of this machine's host snapshot; null uses the OS host name."),
    agent_id: Type.String({ pattern: NAME_PATTERN, description: "This engine's agent id." }),
    log_level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { description: 'Log level.' },
    ),
    heap_growth_percent: Type.Integer({
      minimum: 0,
      maximum: 1000,
      description:
        'How far the engine process lets its JavaScript heap grow past what survived the last full garbage collection before the next one, in percent (V8 --heap-growing-percent, set by perf-engine start). 0: V8 chooses, up to 300% on a machine with much memory, and under load the heap then holds up to three times its live data in garbage.',
    }),
    live_min_retention_days: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
      description:
        'Local only. Lowest data_retention_days a live update may set; null: the locally configured data_retention_days (a live update may raise retention, never cut it below the local value).',
    }),
    live_may_disable_analysis: Type.Boolean({
      description: 'Local only. Whether a live update may switch detect_enabled or diagnose_enabled off; false: live updates may only switch them on.',
    }),
    watch_processes: Type.Array(Type.String({ minLength: 1 }), {
      maxItems: 100,
      description: 'Regular expressions on process name or command line of processes to watch.',
    }),
    watch_min_age_seconds: Type.Integer({
      minimum: 0,
      maximum: 86400,
      description: 'A matching process is watched only once it has run this long, so short-lived commands (npx calls, test runs) never become sources.',
    }),
    watch_max_processes: Type.Integer({
      minimum: 1,
      maximum: 10000,
      description: 'Most matching processes watched at once (the engine itself not counted); beyond, the longest running are kept and a line says how many were left out.',
    }),
    ingest_max_future_skew_seconds: Type.Number({
      minimum: 0,
      maximum: 86400,
      description: 'Snapshots timestamped further than this in the future are rejected.',
    }),
    ingest_max_batch_snapshots: Type.Integer({
      minimum: 1,
      maximum: 100000,
      description: 'Most snapshots accepted in one batch message.',
    }),
    ...CARDINALITY_KEYS,
    store_flush_interval_ms: Type.Integer({
      minimum: 1,
      maximum: 60000,
      description: 'Longest time a received sample waits before its batch is written.',
    }),
    store_batch_max_samples: Type.Integer({
      minimum: 1,
      maximum: 10000000,
      description: 'A batch is written as soon as it holds this many samples.',
    }),
    store_max_pending_samples: Type.Integer({
      minimum: 1000,
      maximum: 100000000,
      description: 'Samples waiting for the database beyond which new messages are refused (back-pressure).',
    }),
    ...DURABILITY_KEYS,
    retention_check_interval_seconds: Type.Integer({
      minimum: 10,
      maximum: 86400,
      description: 'How often the retention job runs.',
    }),
    ...TIER_KEYS,
    ...PARTITION_KEYS,
    detect_enabled: Type.Boolean({
      description: 'Feed every sample to the streaming anomaly detector (degradation alerts and diagnosis build on it); false stores and forwards only.',
    }),
    detect_max_series: Type.Integer({
      minimum: 1,
      maximum: 10000000,
      description: 'Most series the streaming detector keeps in memory; the least recently updated are evicted (their state saved).',
    }),
    detect_anomaly_score: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'Score at or above which the streaming detector emits an anomaly event.',
    }),
    detect_checkpoint_seconds: Type.Integer({
      minimum: 5,
      maximum: 86400,
      description: 'How often detector states updated since the last save are persisted (also at stop).',
    }),
    detect_warmup_samples: Type.Integer({
      minimum: 0,
      maximum: 100000,
      description: 'Most stored samples a series is warmed with when it first appears (those after its saved state, if any); 0 for none.',
    }),
    alert_keep_firing_seconds: Type.Number({
      minimum: 0,
      maximum: 86400,
      description: 'Default keep_firing_seconds of threshold rules: flap merge window after a condition clears.',
    }),
    alert_stale_seconds: Type.Number({
      minimum: 1,
      maximum: 604800,
      description: 'A series with an open alert and no sample for this long, or three of its sampling intervals if longer (event-time gap or wall time), ends it as stale.',
    }),
    alert_queue_max: Type.Integer({
      minimum: 1,
      maximum: 1000000,
      description: 'Notifications waiting for the bus beyond which the oldest are dropped (and counted).',
    }),
    alert_degradation: DegradationSchema,
    ...DIAGNOSIS_KEYS,
    ...DELIVERY_KEYS,
    ...OPTIMIZE_DB_KEYS,
    ...OPTIMIZATION_KEYS,
    ...REPORT_KEYS,
  },
  { additionalProperties: false },
);

/** The validated configuration. */
export type Config = Static<typeof ConfigSchema>;
/** A configuration key. */
export type ConfigKey = keyof Config;

/** Built-in defaults (the seed's five first). Frozen: copy before changing. */
export const DEFAULTS: Readonly<Config> = Object.freeze({
  monitoring_interval_seconds: 15,
  profiling_schedule: null,
  alert_thresholds: {},
  enable_auto_profiling: false,
  data_retention_days: 90,
  ...PROFILING_DEFAULTS,
  database_url: null,
  database_schema: 'public',
  nats_url: null,
  nats_subject_prefix: '',
  nats_user: null,
  nats_password: null,
  nats_token: null,
  nats_creds_file: null,
  nats_tls_ca_file: null,
  nats_tls_cert_file: null,
  nats_tls_key_file: null,
  http_host: '127.0.0.1',
  http_port: 9477,
  ...HTTP_ACCESS_DEFAULTS,
  data_dir: 'data',
  host_name: null,
  agent_id: 'performance_engine_agent',
  log_level: 'info',
  heap_growth_percent: 30,
  live_min_retention_days: null,
  live_may_disable_analysis: false,
  watch_processes: ['^node$'],
  watch_min_age_seconds: 45,
  watch_max_processes: 100,
  ingest_max_future_skew_seconds: 300,
  ingest_max_batch_snapshots: 10000,
  ...CARDINALITY_DEFAULTS,
  store_flush_interval_ms: 20,
  store_batch_max_samples: 100000,
  store_max_pending_samples: 2000000,
  ...DURABILITY_DEFAULTS,
  retention_check_interval_seconds: 3600,
  ...TIER_DEFAULTS,
  ...PARTITION_DEFAULTS,
  detect_enabled: true,
  detect_max_series: 100000,
  detect_anomaly_score: 0.6,
  detect_checkpoint_seconds: 300,
  detect_warmup_samples: 12000,
  alert_keep_firing_seconds: 60,
  alert_stale_seconds: 300,
  alert_queue_max: 10000,
  alert_degradation: { ...DEGRADATION_DEFAULTS },
  ...DIAGNOSIS_DEFAULTS,
  ...DELIVERY_DEFAULTS,
  ...OPTIMIZE_DB_DEFAULTS,
  ...OPTIMIZATION_DEFAULTS,
  ...REPORT_DEFAULTS,
} satisfies Config);

/** Keys holding secrets: masked when printed, redacted in logs. */
export const SECRET_KEYS: readonly ConfigKey[] = ['nats_password', 'nats_token', 'database_url', 'optimize_databases', ...HTTP_SECRET_KEYS];

/** Keys that a live update (`config.performance_engine_agent.updated`) may change without a restart. */
export const LIVE_KEYS: readonly ConfigKey[] = [
  'monitoring_interval_seconds',
  'profiling_schedule',
  'alert_thresholds',
  'enable_auto_profiling',
  'data_retention_days',
  ...PROFILING_LIVE_KEYS,
  'log_level',
  'watch_processes',
  'watch_min_age_seconds',
  'watch_max_processes',
  'ingest_max_future_skew_seconds',
  'ingest_max_batch_snapshots',
  ...CARDINALITY_CEILING_KEYS,
  'retention_check_interval_seconds',
  'detect_enabled',
  'detect_max_series',
  'detect_anomaly_score',
  'detect_checkpoint_seconds',
  'detect_warmup_samples',
  'alert_keep_firing_seconds',
  'alert_stale_seconds',
  'alert_degradation',
  ...DIAGNOSIS_LIVE_KEYS,
  ...OPTIMIZE_DB_LIVE_KEYS,
  ...OPTIMIZATION_LIVE_KEYS,
  ...REPORT_LIVE_KEYS,
];

/** Environment variables that are not `PERF_ENGINE_<KEY>`. */
export const ENV_ALIASES: Partial<Record<ConfigKey, string>> = {
  database_url: 'DATABASE_URL',
  nats_url: 'NATS_URL',
};

/** Every key of the schema, in schema order. */
export const CONFIG_KEYS = Object.keys(ConfigSchema.properties) as ConfigKey[];

/** The schema of one key. */
export function keySchema(key: ConfigKey): TSchema {
  return ConfigSchema.properties[key];
}

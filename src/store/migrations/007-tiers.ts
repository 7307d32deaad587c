/**
 * Downsampled tiers (docs/storage.md#tiers): per tier a table of buckets, one row per stream,
 * metric set and bucket, with the count, minimum, maximum, sum and last value of every metric of
 * the set as arrays in the set's order; a view per tier giving one row per bucket and metric;
 * and `metric_stream_sets`, the metric sets each stream has used and when, so that a query finds
 * its series without scanning samples.
 */
export const name = 'tiers';

/** The tiers this migration creates (src/store/tiers.ts names them; a migration never changes once applied, so it lists its own). */
const TABLES = [
  { table: 'metric_tier_1m', view: 'system_metrics_1m' },
  { table: 'metric_tier_5m', view: 'system_metrics_5m' },
  { table: 'metric_tier_1h', view: 'system_metrics_1h' },
];

function tierTable(t: { table: string; view: string }): string {
  return `
CREATE TABLE ${t.table} (
  ts         timestamptz NOT NULL,
  stream_id  integer     NOT NULL,
  set_id     integer     NOT NULL,
  count      integer     NOT NULL,
  last_ts    timestamptz NOT NULL,
  min_v      float8[]    NOT NULL,
  max_v      float8[]    NOT NULL,
  sum_v      float8[]    NOT NULL,
  last_v     float8[]    NOT NULL,
  PRIMARY KEY (stream_id, ts, set_id)
) PARTITION BY RANGE (ts);

CREATE VIEW ${t.view} AS
SELECT b.ts,
       st.source,
       ms.names[i] AS metric,
       sum(b.count)::bigint AS count,
       min(b.min_v[i]) AS min,
       max(b.max_v[i]) AS max,
       sum(b.sum_v[i]) / sum(b.count) AS mean,
       (array_agg(b.last_v[i] ORDER BY b.last_ts DESC))[1] AS last,
       NULLIF(st.host, '') AS host,
       st.labels
FROM ${t.table} b
JOIN metric_streams st ON st.id = b.stream_id
JOIN metric_sets ms ON ms.id = b.set_id
CROSS JOIN LATERAL generate_series(1, cardinality(ms.names)) AS i
GROUP BY b.ts, b.stream_id, st.source, st.host, st.labels, ms.names[i];
`;
}

export const up = `
-- Element-wise merges of two buckets' arrays of the same metric set (same length, same order).
CREATE FUNCTION perf_float8_least(a float8[], b float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT array_agg(least(x, y) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$fn$;
CREATE FUNCTION perf_float8_greatest(a float8[], b float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT array_agg(greatest(x, y) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$fn$;
CREATE FUNCTION perf_float8_add(a float8[], b float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT array_agg(x + y ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$fn$;

CREATE TABLE metric_stream_sets (
  stream_id  integer     NOT NULL REFERENCES metric_streams (id) ON DELETE CASCADE,
  set_id     integer     NOT NULL,
  first_ts   timestamptz NOT NULL,
  last_ts    timestamptz NOT NULL,
  PRIMARY KEY (stream_id, set_id)
);
CREATE INDEX metric_stream_sets_last ON metric_stream_sets (last_ts);
${TABLES.map(tierTable).join('')}`;

import type { Sample } from '../model/snapshot.js';
import type { Queryable } from './db.js';

/** A known source with its last-seen time. */
export interface KnownSource {
  readonly source: string;
  readonly host: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

function iso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

/** Samples of one series in [fromMs, untilMs], in time order (through the `system_metrics` view). */
export async function querySeries(
  q: Queryable,
  source: string,
  metric: string,
  fromMs: number,
  untilMs: number,
  limit = 1_000_000,
): Promise<Sample[]> {
  const r = await q.query<{ ts: Date | string; value: number }>(
    `SELECT ts, value FROM system_metrics
     WHERE source = $1 AND metric = $2 AND ts >= $3 AND ts <= $4
     ORDER BY ts LIMIT $5`,
    [source, metric, new Date(fromMs), new Date(untilMs), limit],
  );
  return r.rows.map((row) => ({ timestamp: new Date(row.ts).getTime(), value: Number(row.value) }));
}

/** Every known source (one row per source, host and label set), most recently seen first. */
export async function listSources(q: Queryable): Promise<KnownSource[]> {
  const r = await q.query<{ source: string; host: string; labels: unknown; first_seen: unknown; last_seen: unknown }>(
    `SELECT source, host, labels, first_seen, last_seen FROM metric_streams ORDER BY last_seen DESC, source`,
  );
  return r.rows.map((row) => ({
    source: row.source,
    host: row.host === '' ? null : row.host,
    labels: (typeof row.labels === 'string' ? JSON.parse(row.labels) : row.labels) as Record<string, string>,
    firstSeen: iso(row.first_seen),
    lastSeen: iso(row.last_seen),
  }));
}

/** Metric names a source has reported (from the name lists of its stored snapshots' sets). */
export async function listMetrics(q: Queryable, source: string): Promise<string[]> {
  const r = await q.query<{ metric: string }>(
    `SELECT DISTINCT unnest(ms.names) AS metric
     FROM metric_sets ms
     WHERE ms.id IN (SELECT DISTINCT s.set_id FROM metric_snapshots s
                     JOIN metric_streams st ON st.id = s.stream_id WHERE st.source = $1)
     ORDER BY 1`,
    [source],
  );
  return r.rows.map((row) => row.metric);
}

/** Row counts and newest times of the engine's tables, for `status`. */
export interface StoreCounts {
  readonly snapshots: number;
  readonly samples: number;
  readonly streams: number;
  readonly newestSample: string | null;
  readonly profiles: number;
  readonly bottlenecks: number;
  readonly alerts: number;
}

/** Counts for `perf-engine status` (exact; meant for humans, not hot paths). */
export async function storeCounts(q: Queryable): Promise<StoreCounts> {
  const r = await q.query<Record<string, unknown>>(
    `SELECT (SELECT count(*) FROM metric_snapshots)::float8 AS snapshots,
            (SELECT coalesce(sum(cardinality(ms.names)), 0) FROM metric_snapshots s
               JOIN metric_sets ms ON ms.id = s.set_id)::float8 AS samples,
            (SELECT count(*) FROM metric_streams)::float8 AS streams,
            (SELECT max(ts) FROM metric_snapshots) AS newest,
            (SELECT count(*) FROM performance_profiles)::float8 AS profiles,
            (SELECT count(*) FROM bottlenecks)::float8 AS bottlenecks,
            (SELECT count(*) FROM alerts)::float8 AS alerts`,
  );
  const row = r.rows[0]!;
  return {
    snapshots: Number(row.snapshots),
    samples: Number(row.samples),
    streams: Number(row.streams),
    newestSample: row.newest === null ? null : iso(row.newest),
    profiles: Number(row.profiles),
    bottlenecks: Number(row.bottlenecks),
    alerts: Number(row.alerts),
  };
}

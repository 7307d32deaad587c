import { apiMetricName } from '../model/device-metrics.js';
import type { Queryable } from './db.js';

/** What identifies a series: a stream (source, host, labels) and one of its metrics. */
export interface SeriesIdentity {
  readonly source: string;
  readonly host: string | null;
  readonly labels: Readonly<Record<string, string>>;
  /** The metric as stored (`network_rx_bytes_per_sec.eth0`). */
  readonly metric: string;
  /** The metric as the APIs show it (`network_rx_bytes_per_sec`). */
  readonly name: string;
  /** The device of a per-device metric (`eth0`), else null. */
  readonly device: string | null;
}

/** Where a metric's values sit in a stream's rows: its metric set and 1-based position in it. */
export interface SeriesPart {
  readonly setId: number;
  readonly index: number;
}

/** A series and where its values are (one part per metric set of its stream that holds the metric). */
export interface SeriesRef extends SeriesIdentity {
  readonly streamId: number;
  readonly parts: readonly SeriesPart[];
}

/** Which series to find. */
export interface SeriesSearch {
  /** Series with data in [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Only this source (narrowed in SQL). */
  readonly source?: string;
  /** Keeps a series when it returns true. */
  accept(s: SeriesIdentity): boolean;
  /** `metric_stream_sets` is kept up to date (the tiers are on); otherwise the raw samples are scanned for streams and sets. */
  readonly indexed: boolean;
}

/** `metric_stream_sets.last_ts` trails by up to 5 minutes (src/store/tier-writer.ts), plus a tick. */
const LAST_TS_LAG_MS = 6 * 60_000;

interface UseRow {
  id: number;
  source: string;
  host: string;
  labels: unknown;
  set_id: number;
  names: string[];
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

function compare(a: SeriesRef, b: SeriesRef): number {
  return (
    cmp(a.name, b.name) ||
    cmp(a.source, b.source) ||
    cmp(a.host ?? '', b.host ?? '') ||
    cmp(a.device ?? '', b.device ?? '') ||
    cmp(JSON.stringify(a.labels), JSON.stringify(b.labels)) ||
    a.streamId - b.streamId
  );
}

/**
 * The series with data in a time range that `accept` keeps, sorted by metric, source, host, device
 * and labels. Reads `metric_stream_sets` (a row per stream and metric set), never the samples,
 * unless the tiers are off.
 */
export async function findSeries(q: Queryable, search: SeriesSearch): Promise<SeriesRef[]> {
  const params: unknown[] = [new Date(search.fromMs), new Date(search.toMs)];
  const bySource = search.source === undefined ? '' : `AND st.source = $3`;
  if (search.source !== undefined) params.push(search.source);
  const uses = search.indexed
    ? `SELECT stream_id, set_id FROM metric_stream_sets WHERE last_ts >= $1::timestamptz - interval '${LAST_TS_LAG_MS} milliseconds' AND first_ts < $2`
    : `SELECT DISTINCT stream_id, set_id FROM metric_snapshots WHERE ts >= $1 AND ts < $2`;
  const r = await q.query<UseRow>(
    `SELECT st.id, st.source, st.host, st.labels, u.set_id, ms.names
     FROM (${uses}) u JOIN metric_streams st ON st.id = u.stream_id JOIN metric_sets ms ON ms.id = u.set_id
     WHERE true ${bySource}`,
    params,
  );
  const found = new Map<string, SeriesRef & { parts: SeriesPart[] }>();
  for (const row of r.rows) {
    const labels = (typeof row.labels === 'string' ? JSON.parse(row.labels) : row.labels) as Record<string, string>;
    const host = row.host === '' ? null : row.host;
    row.names.forEach((metric, i) => {
      const key = `${row.id}\u0000${metric}`;
      const had = found.get(key);
      if (had) {
        had.parts.push({ setId: row.set_id, index: i + 1 });
        return;
      }
      const identity = { source: row.source, host, labels, metric, ...apiMetricName(metric) };
      if (!search.accept(identity)) return;
      found.set(key, { ...identity, streamId: row.id, parts: [{ setId: row.set_id, index: i + 1 }] });
    });
  }
  return [...found.values()].sort(compare);
}

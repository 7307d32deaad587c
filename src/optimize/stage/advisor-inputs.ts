import { listSources } from '../../store/metric-queries.js';
import type { Queryable } from '../../store/db.js';

/** One stored snapshot of a source, restricted to the metrics asked for. */
export interface StoredSnapshot {
  readonly atMs: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * The snapshots of `source` in [fromMs, untilMs] with those of `metrics` they carry, in time
 * order: one query over the `system_metrics` view, pivoted by timestamp.
 */
export async function loadSnapshots(q: Queryable, source: string, metrics: readonly string[], fromMs: number, untilMs: number): Promise<StoredSnapshot[]> {
  const r = await q.query<{ ts: Date | string; metric: string; value: number }>(
    `SELECT ts, metric, value FROM system_metrics
     WHERE source = $1 AND metric = ANY($2) AND ts >= $3 AND ts <= $4
     ORDER BY ts`,
    [source, [...metrics], new Date(fromMs), new Date(untilMs)],
  );
  const out: { atMs: number; metrics: Record<string, number> }[] = [];
  for (const row of r.rows) {
    const atMs = new Date(row.ts).getTime();
    let last = out[out.length - 1];
    if (last === undefined || last.atMs !== atMs) out.push((last = { atMs, metrics: {} }));
    last.metrics[row.metric] = Number(row.value);
  }
  return out;
}

/** A process the engine watches, as its latest stored snapshot labels it. */
export interface WatchedProcess {
  readonly source: string;
  readonly pid: number;
}

/** Processes watched by the engine (role `watched`, with a pid label) seen since `sinceMs`, latest stream of each. */
export async function listWatchedProcesses(q: Queryable, sinceMs: number): Promise<WatchedProcess[]> {
  const seen = new Set<string>();
  const out: WatchedProcess[] = [];
  for (const s of await listSources(q)) {
    const pid = Number(s.labels.pid);
    if (seen.has(s.source) || s.labels.role !== 'watched' || !Number.isInteger(pid) || Date.parse(s.lastSeen) < sinceMs) continue;
    seen.add(s.source);
    out.push({ source: s.source, pid });
  }
  return out;
}

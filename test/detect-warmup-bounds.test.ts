import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DetectionStage, type DetectionSettings } from '../src/detect/stage/detection-stage.js';
import { groupRanges, HISTORY_SQL, HISTORY_WINDOW_MS, historyParams, loadSeries } from '../src/detect/stage/detector-state-repo.js';
import { LOAD_AGAIN, type SeriesLoad } from '../src/detect/stream/series-load.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { DailyPartitions, dayOf, partitionName } from '../src/store/partitions.js';
import { PG_URL, quietLogger, testDatabase, waitFor } from './helpers/services.js';

const DAY = 86_400_000;

/** Names of the relations a plan reads, found anywhere in EXPLAIN's JSON. */
function relationsOf(plan: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(plan)) for (const p of plan) relationsOf(p, out);
  else if (plan && typeof plan === 'object') {
    for (const [k, v] of Object.entries(plan)) {
      if (k === 'Relation Name' && typeof v === 'string') out.add(v);
      else relationsOf(v, out);
    }
  }
  return out;
}

/** The plan nodes that read a relation, anywhere in EXPLAIN's JSON. */
function scansOf(plan: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(plan)) for (const p of plan) scansOf(p, out);
  else if (plan && typeof plan === 'object') {
    const node = plan as Record<string, unknown>;
    if (typeof node['Relation Name'] === 'string') out.push(node);
    for (const v of Object.values(node)) scansOf(v, out);
  }
  return out;
}

describe('the history warm-up of new series is bounded (issue 11)', () => {
  let t: Awaited<ReturnType<typeof testDatabase>>;
  const now = Date.now();
  beforeAll(async () => {
    t = await testDatabase();
    // 120 days of partitions, and some history of one series in the last days.
    await new DailyPartitions(t.db, 'metric_snapshots').ensure(Array.from({ length: 121 }, (_, i) => dayOf(now) - i));
    const writer = new MetricWriter(t.db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 100_000, maxPendingSamples: 1_000_000, maxPartitionsPerBatch: 0 });
    await writer.write(Array.from({ length: 50 }, (_, i) => ({ source: 'warm', timestamp: now - 3 * DAY + i * 60_000, metrics: { cpu_usage: i } })));
    await writer.write(Array.from({ length: 40 }, (_, i) => ({ source: 'warm-2', timestamp: now - 2 * DAY + i * 60_000, metrics: { cpu_usage: 100 + i } })));
    await writer.stop();
  });
  afterAll(async () => t?.drop());

  it('plans over the partitions of the history window only, not all 121', async () => {
    const requests = [
      { source: 'warm', metric: 'cpu_usage', before: now },
      { source: 'other', metric: 'cpu_usage', before: now - 60_000 },
    ];
    const group = requests.map((r, i) => ({ i, afterMs: r.before - HISTORY_WINDOW_MS, beforeMs: r.before }));
    const explained = await t.db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${HISTORY_SQL}`, historyParams(requests, group, 100));
    const partitions = [...relationsOf(explained.rows[0]!['QUERY PLAN'])].filter((r) => r.startsWith('metric_snapshots_p'));
    const wanted = new Set(Array.from({ length: 17 }, (_, i) => partitionName('metric_snapshots', dayOf(now) - i)));
    expect(partitions.length).toBeGreaterThan(0);
    expect(partitions.length).toBeLessThanOrEqual(17);
    for (const p of partitions) expect(wanted.has(p)).toBe(true);
    // Each partition is read per stream through its (stream_id, ts) index, never scanned by time alone.
    for (const scan of scansOf(explained.rows[0]!['QUERY PLAN']).filter((n) => String(n['Relation Name']).startsWith('metric_snapshots_p'))) {
      expect(scan['Node Type']).toMatch(/Index/);
      expect(String(scan['Index Cond'])).toContain('stream_id = st.id');
    }
    // And the rows come back as before.
    const loads = await loadSeries(t.db, requests, 100, { timeoutMs: 5000 });
    expect((loads[0] as SeriesLoad).values).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(loads[1]).toBeNull();
  });

  it('reads a batch whose history fits the row cap in one statement, and leaves for later the series past it when it does not', async () => {
    const requests = ['warm', 'other', 'warm-2', 'none'].map((source) => ({ source, metric: 'cpu_usage', before: now }));
    // 4 series x 100 could be 400 rows; they hold 90, under a cap of 95: one statement, all read.
    const fits = await loadSeries(t.db, requests, 100, { timeoutMs: 5000, maxRows: 95 });
    expect(fits.map((l) => (l === null || typeof l === 'symbol' ? l : l.values.length))).toEqual([50, null, 40, null]);
    // Under a cap of 60, the answer is cut: the first of them is read alone, the rest is asked again.
    const cut = await loadSeries(t.db, requests, 50, { timeoutMs: 5000, maxRows: 60 });
    expect(cut.map((l) => (l === null || typeof l === 'symbol' ? l : l.values.length))).toEqual([50, LOAD_AGAIN, LOAD_AGAIN, LOAD_AGAIN]);
  });

  it('puts series whose ranges lie far apart in separate statements, so each stays narrow', () => {
    const r = (i: number, beforeMs: number) => ({ i, afterMs: beforeMs - HISTORY_WINDOW_MS, beforeMs });
    const groups = groupRanges([r(0, now), r(1, now - 100 * DAY), r(2, now - 60_000), r(3, now - 99 * DAY)]);
    expect(groups.map((g) => g.map((x) => x.i).sort())).toEqual([[1, 3], [0, 2]]);
    for (const g of groups) expect(Math.max(...g.map((x) => x.beforeMs)) - Math.min(...g.map((x) => x.afterMs))).toBeLessThanOrEqual(HISTORY_WINDOW_MS + DAY);
  });

  it('a warm-up that exceeds its statement timeout starts the series cold, counted, without holding up ingest', async () => {
    const settings: DetectionSettings = { enabled: true, maxSeries: 1000, anomalyScore: 0.6, checkpointSeconds: 3600, warmupSamples: 100, warmupTimeoutMs: 300, retentionDays: 30 };
    const stage = new DetectionStage(t.db, quietLogger(), () => settings);
    // Another session holds the table so that the history read waits: only its timeout ends it.
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    try {
      await holder.query(`SET search_path = "${t.schema}"`);
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE metric_snapshots IN ACCESS EXCLUSIVE MODE');
      const t0 = performance.now();
      stage.ingest([{ source: 'warm', timestamp: now, metrics: { cpu_usage: 1 } }]);
      expect(performance.now() - t0).toBeLessThan(50);
      await waitFor(() => stage.status().warmupTimeouts === 1 && stage.status().loading === 0, 5000);
      const s = stage.status();
      expect(s.series).toBe(1);
      expect(s.loadErrors).toBe(0);
      // The series goes on learning from live samples.
      stage.ingest([{ source: 'warm', timestamp: now + 1000, metrics: { cpu_usage: 2 } }]);
      expect(stage.status().samples).toBe(2);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      await stage.stop();
    }
  });
});

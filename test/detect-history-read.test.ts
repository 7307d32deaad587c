import { beforeAll, describe, expect, it } from 'vitest';
import { loadSeries } from '../src/detect/stage/detector-state-repo.js';
import type { SeriesLoad } from '../src/detect/stream/series-load.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { DailyPartitions, dayOf } from '../src/store/partitions.js';
import { bothBackends, openedBackend, quietLogger } from './helpers/services.js';

const T0 = Date.parse('2026-12-07T08:00:00Z');
const MIN = 60_000;

/**
 * One source on two streams (two hosts) whose metric sets differ, and a second source: the history
 * of a series is every stream of its source that carries the metric, newest first up to the limit.
 */
function snapshots(): MetricSnapshot[] {
  const out: MetricSnapshot[] = [];
  for (let i = 0; i < 30; i++) out.push({ source: 'api', host: 'h1', timestamp: T0 + i * MIN, metrics: { latency: i, cpu: 100 + i } });
  for (let i = 0; i < 10; i++) out.push({ source: 'api', host: 'h2', timestamp: T0 + i * MIN + 30_000, metrics: { latency: 1000 + i } });
  for (let i = 0; i < 5; i++) out.push({ source: 'db', timestamp: T0 + i * MIN, metrics: { cpu: 200 + i, disk: i } });
  return out;
}

/** What a load must give: the samples of (source, metric) before `before`, the latest `limit`, oldest first. */
function expected(source: string, metric: string, before: number, limit: number): { timestamps: number[]; values: number[] } | null {
  const rows = snapshots()
    .filter((s) => s.source === source && s.metrics[metric] !== undefined && s.timestamp < before)
    .map((s) => [s.timestamp, s.metrics[metric]!] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(-limit);
  return rows.length === 0 ? null : { timestamps: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
}

describe.each(bothBackends())('the history a new series warms up from (%s)', (_name, open) => {
  const t = openedBackend(open);
  beforeAll(async () => {
    await new DailyPartitions(t.db, 'metric_snapshots').ensure([dayOf(T0)]);
    const writer = new MetricWriter(t.db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 100_000, maxPendingSamples: 1_000_000, maxPartitionsPerBatch: 0 });
    await writer.write(snapshots());
    await writer.stop();
  });

  it('reads every stream of the source that carries the metric, newest first up to the limit, and nothing of other sources or metrics', async () => {
    const requests = [
      { source: 'api', metric: 'latency', before: T0 + 12 * MIN },
      { source: 'api', metric: 'latency', before: T0 + 25 * MIN },
      { source: 'api', metric: 'cpu', before: T0 + 12 * MIN },
      { source: 'api', metric: 'disk', before: T0 + 12 * MIN },
      { source: 'db', metric: 'cpu', before: T0 + 3 * MIN },
      { source: 'db', metric: 'latency', before: T0 + 3 * MIN },
      { source: 'nobody', metric: 'cpu', before: T0 + 3 * MIN },
    ];
    for (const limit of [1, 8, 100]) {
      const loads = await loadSeries(t.db, requests, limit, { timeoutMs: 5000 });
      const got = loads.map((l) => (l === null ? null : { timestamps: Array.from((l as SeriesLoad).timestamps), values: Array.from((l as SeriesLoad).values) }));
      expect(got).toEqual(requests.map((r) => expected(r.source, r.metric, r.before, limit)));
    }
    // The two streams interleave: the latest 8 latencies before minute 12 come from both hosts.
    const [mixed] = await loadSeries(t.db, requests.slice(0, 1), 8, { timeoutMs: 5000 });
    expect((mixed as SeriesLoad).values).toEqual([7, 1007, 8, 1008, 9, 1009, 10, 11]);
  });
});

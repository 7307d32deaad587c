import type { FastifyInstance } from 'fastify';
import { buildApi } from '../src/api/build-api.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { Db } from '../src/store/db.js';
import { storeLayout } from '../src/store/history-query.js';
import { migrate } from '../src/store/migrate.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { openPgDb } from '../src/store/pg-db.js';
import { TierWriter } from '../src/store/tier-writer.js';
import { TIERS } from '../src/store/tiers.js';
import { DEFAULTS } from '../src/config/schema.js';
import { pino } from 'pino';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { generateSnapshots, workloadMetricNames } from './lib/workload.js';
import { BENCH_PG_URL, dropSchema, uniqueName } from './lib/services.js';
import { argNumber } from './lib/args.js';

const DAY = 86_400_000;
const INTERVAL = 15_000;
const METRICS = 5;

/** Data size: `long` sources over `days` days, and `sources` sources (the long ones among them) over the last day. */
interface Size {
  readonly days: number;
  readonly sources: number;
  readonly long: number;
}

/**
 * Writes the bench data through the metric writer with the tiers maintained as in the engine (a
 * tick after every chunk); returns the samples written and the writer's time.
 */
async function load(ctx: BenchContext, db: Db, size: Size, now: number): Promise<{ samples: number; tiers: TierWriter }> {
  const tiers = new TierWriter(db, pino({ level: 'silent' }));
  const writer = new MetricWriter(db, pino({ level: 'silent' }), { flushIntervalMs: 5, batchMaxSamples: 200_000, maxPendingSamples: 10_000_000, onStored: (s, a, b) => tiers.fold(s, a, b) });
  const start = Math.floor((now - size.days * DAY) / INTERVAL) * INTERVAL;
  const lastDay = Math.floor((now - DAY) / INTERVAL) * INTERVAL;
  const parts = [
    { sources: size.long, metricsPerSnapshot: METRICS, snapshotsPerSource: (lastDay - start) / INTERVAL, intervalMs: INTERVAL, start },
    { sources: size.sources, metricsPerSnapshot: METRICS, snapshotsPerSource: (now - lastDay) / INTERVAL, intervalMs: INTERVAL, start: lastDay },
  ];
  let samples = 0;
  let chunk: MetricSnapshot[] = [];
  const t0 = performance.now();
  for (const part of parts) {
    for (const s of generateSnapshots(part)) {
      chunk.push(s);
      if (chunk.length < 40_000) continue;
      await writer.write(chunk);
      await tiers.flush();
      samples += chunk.length * METRICS;
      chunk = [];
      if (samples % 4_000_000 === 0) ctx.log(`${(samples / 1e6).toFixed(0)} M samples written`);
    }
  }
  await writer.write(chunk);
  samples += chunk.length * METRICS;
  await writer.stop();
  await tiers.stop();
  ctx.log(`${samples.toLocaleString('en-US')} samples written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await db.query('VACUUM ANALYZE');
  return { samples, tiers };
}

/** Median and 95th percentile of `runs` timings of `fn` (after one warm-up run), ms. */
async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(runs / 2)]!, p95: ms[Math.min(runs - 1, Math.ceil(runs * 0.95) - 1)]! };
}

function api(db: Db): FastifyInstance {
  return buildApi({
    phase: () => 'running',
    db: () => db,
    layout: () => storeLayout(DEFAULTS),
    status: async () => ({}),
    config: () => ({}),
    profiles: () => null,
    alerting: () => null,
    dbAdvisor: () => ({ latest: () => [], missing: () => [] }),
    optimizations: () => {
      throw new Error('no optimization loop in this benchmark');
    },
    log: { error: () => undefined },
    exporter: { export: () => Promise.reject(new Error('no exports here')), close: async () => {} },
  });
}

async function get(app: FastifyInstance, url: string): Promise<{ tier: string; series: { values: unknown[] }[] }> {
  const res = await app.inject(url);
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Total size (data, indexes, TOAST) of a partitioned table's partitions. */
async function partitionedBytes(db: Db, table: string): Promise<number> {
  const r = await db.query<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes FROM pg_inherits i
     JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE p.relname = $1 AND n.nspname = $2`,
    [table, db.schema],
  );
  return Number(r.rows[0]!.bytes);
}

async function queryFigures(ctx: BenchContext, db: Db, size: Size, now: number, runs: number): Promise<Figure[]> {
  const app = api(db);
  await app.ready();
  const metric = workloadMetricNames(METRICS)[0]!;
  const step30 = 1_800_000;
  const start30 = Math.floor((now - size.days * DAY) / step30) * step30 + step30;
  const one = `/api/v1/query_range?source=agent-3&metric=${metric}&start=${start30}&end=${now}&step=30m&agg=mean`;
  const oneAnswer = await get(app, one);
  const single = await timeRuns(runs, () => get(app, one));
  const singleRef = await timeRuns(runs, () =>
    db.query(`SELECT date_bin('30 minutes', ts, $3::timestamptz) AS w, avg(value) FROM system_metrics WHERE source = $1 AND metric = $2 AND ts >= $3 AND ts < $4 GROUP BY 1`, ['agent-3', metric, new Date(start30 - step30), new Date(now)]),
  );
  const step5 = 300_000;
  const start24 = Math.floor((now - DAY) / step5) * step5 + step5;
  const all = `/api/v1/query_range?metric=*&start=${start24}&end=${now}&step=5m&agg=mean&limit=10000`;
  const allAnswer = await get(app, all);
  const overview = await timeRuns(runs, () => get(app, all));
  const overviewRef = await timeRuns(Math.max(3, Math.floor(runs / 4)), () =>
    db.query(`SELECT source, metric, date_bin('5 minutes', ts, $1::timestamptz) AS w, avg(value) FROM system_metrics WHERE ts >= $1 AND ts < $2 GROUP BY 1, 2, 3`, [new Date(start24 - step5), new Date(now)]),
  );
  await app.close();
  const points = (a: typeof oneAnswer) => a.series.reduce((n, s) => n + s.values.length, 0);
  ctx.log(`30 d query: tier ${oneAnswer.tier}, ${points(oneAnswer)} points; overview: tier ${allAnswer.tier}, ${allAnswer.series.length} series, ${points(allAnswer)} points`);
  return [
    figure({
      bench: 'history',
      name: `one metric of one source over ${size.days} d, step 30 min, GET /api/v1/query_range, p95 of ${runs}`,
      value: single.p95,
      unit: 'ms',
      reference: { name: 'the same over raw samples (system_metrics, GROUP BY date_bin), p95', value: singleRef.p95, unit: 'ms' },
      target: '< 100 ms',
      met: single.p95 < 100,
      notes: `tier ${oneAnswer.tier}, ${points(oneAnswer)} points; median ${single.p50.toFixed(1)} ms (raw ${singleRef.p50.toFixed(1)} ms)`,
    }),
    figure({
      bench: 'history',
      name: `24 h overview of ${size.sources} sources x ${METRICS} metrics, step 5 min, one GET /api/v1/query_range, p95 of ${runs}`,
      value: overview.p95,
      unit: 'ms',
      reference: { name: 'the same over raw samples (system_metrics, GROUP BY source, metric, date_bin), p95', value: overviewRef.p95, unit: 'ms' },
      target: '< 300 ms',
      met: overview.p95 < 300,
      notes: `tier ${allAnswer.tier}, ${allAnswer.series.length} series, ${points(allAnswer)} points; median ${overview.p50.toFixed(1)} ms (raw ${overviewRef.p50.toFixed(1)} ms)`,
    }),
  ];
}

async function sizeFigures(db: Db, samples: number): Promise<Figure[]> {
  const raw = await partitionedBytes(db, 'metric_snapshots');
  const out: Figure[] = [];
  for (const t of TIERS) {
    const bytes = await partitionedBytes(db, t.table);
    const rows = Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t.table}`)).rows[0]!.n);
    out.push(
      figure({
        bench: 'history',
        name: `bytes on disk of the ${t.name} tier per raw sample it summarizes (data + indexes)`,
        value: bytes / samples,
        unit: 'B/sample',
        reference: { name: 'raw samples (metric_snapshots)', value: raw / samples, unit: 'B/sample' },
        notes: `${rows.toLocaleString('en-US')} rows of ${METRICS} metrics: ${(bytes / rows / METRICS).toFixed(1)} B per series and bucket; ${(INTERVAL / 1000).toFixed(0)} s samples, ${t.widthMs / INTERVAL} per bucket`,
      }),
    );
  }
  return out;
}

/** What maintaining the tiers cost while loading, beside a SQL rollup of one day of raw samples into 1-minute buckets. */
async function costFigure(db: Db, tiers: TierWriter, now: number): Promise<Figure> {
  const s = tiers.stats();
  const from = new Date(now - DAY);
  const daySamples = Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM system_metrics WHERE ts >= $1`, [from])).rows[0]!.n);
  await db.query(`CREATE TEMP TABLE rollup_1m AS SELECT * FROM system_metrics_1m LIMIT 0`);
  const t0 = performance.now();
  await db.query(
    `INSERT INTO rollup_1m (ts, source, metric, count, min, max, mean, last, host, labels)
     SELECT date_bin('1 minute', ts, 'epoch'), source, metric, count(*), min(value), max(value), avg(value),
            (array_agg(value ORDER BY ts DESC))[1], host, labels
     FROM system_metrics WHERE ts >= $1 GROUP BY 1, 2, 3, 9, 10`,
    [from],
  );
  const sqlUs = ((performance.now() - t0) * 1000) / daySamples;
  const us = ((s.foldMs + s.flushMs) * 1000) / s.foldedSamples;
  return figure({
    bench: 'history',
    name: 'tier maintenance in the writer (fold in memory + upserts of closed buckets), time per sample',
    value: us,
    unit: 'us/sample',
    reference: { name: 'SQL rollup of one day of raw samples into 1-minute buckets (INSERT ... SELECT GROUP BY over system_metrics)', value: sqlUs, unit: 'us/sample' },
    notes: `fold ${((s.foldMs * 1000) / s.foldedSamples).toFixed(3)} us/sample, upserts ${((s.flushMs * 1000) / s.foldedSamples).toFixed(3)} us/sample; rows ${JSON.stringify(s.rowsWritten)}`,
  });
}

const bench: Benchmark = {
  name: 'history',
  description: 'range queries over the tiers (30 d of one series, 24 h overview of 100 sources), bytes per sample per tier, tier maintenance cost; 15 s samples the bench generates',
  async run(ctx) {
    const size: Size = { days: argNumber(ctx.args, '--days', 30), sources: argNumber(ctx.args, '--sources', 100), long: argNumber(ctx.args, '--long-sources', 10) };
    const runs = argNumber(ctx.args, '--runs', 20);
    const schema = uniqueName('benchhist');
    const db = await openPgDb({ url: BENCH_PG_URL, schema, poolSize: 4 });
    try {
      await migrate(db);
      const now = Math.floor(Date.now() / INTERVAL) * INTERVAL;
      ctx.log(`${size.long} sources over ${size.days} d and ${size.sources} over the last day, ${METRICS} metrics each, every 15 s`);
      const { samples, tiers } = await load(ctx, db, size, now);
      return [...(await queryFigures(ctx, db, size, now, runs)), ...(await sizeFigures(db, samples)), await costFigure(db, tiers, now)];
    } finally {
      await db.close();
      await dropSchema(schema);
    }
  },
};

export default bench;

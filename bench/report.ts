import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { renderReport } from '../src/report/render-report.js';
import { gatherReport } from '../src/report/stage/gather-report.js';
import type { PeriodFilter } from '../src/report/stage/report-queries.js';
import { chartStepMs, periodSeries } from '../src/report/stage/report-series.js';
import type { ReportChart } from '../src/report/report-schema.js';
import type { Queryable } from '../src/store/db.js';
import { storeLayout } from '../src/store/history-query.js';
import { DEFAULTS } from '../src/config/schema.js';
import { TierWriter } from '../src/store/tier-writer.js';
import { migrate } from '../src/store/migrate.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { openPgDb } from '../src/store/pg-db.js';
import { figure, type Benchmark, type Figure } from './figure.js';
import { BENCH_PG_URL, dropSchema, uniqueName } from './lib/services.js';
import { median } from './lib/median.js';

const METRICS = ['cpu_usage', 'memory_usage', 'event_loop_lag_ms', 'heap_used_bytes', 'requests_per_sec'];

function parseArgs(args: readonly string[]): { sources: number; hours: number; interval: number; runs: number } {
  const a = { sources: 100, hours: 24, interval: 15, runs: 3 };
  for (let i = 0; i < args.length; i += 2) {
    const v = Number(args[i + 1]);
    if (args[i] === '--sources') a.sources = v;
    else if (args[i] === '--hours') a.hours = v;
    else if (args[i] === '--interval') a.interval = v;
    else if (args[i] === '--runs') a.runs = v;
  }
  return a;
}

/** One snapshot per source per interval, with a slow climb on memory and noise on the rest. */
function* snapshots(sources: number, start: number, end: number, intervalMs: number): Generator<MetricSnapshot[]> {
  for (let t = start; t < end; t += intervalMs) {
    const batch: MetricSnapshot[] = [];
    const h = (t - start) / 3_600_000;
    for (let s = 0; s < sources; s++) {
      const noise = Math.sin(t / 60_000 + s) * 5;
      batch.push({
        source: `agent-${s}`,
        host: `host-${s % 10}`,
        timestamp: t,
        metrics: { cpu_usage: 40 + noise, memory_usage: 30 + h * (s % 3), event_loop_lag_ms: 5 + noise, heap_used_bytes: 1e8 + h * 1e6, requests_per_sec: 200 + noise * 10 },
      });
    }
    yield batch;
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

/**
 * The reference: how the report read its charts before it read the tiers (up to commit c36a2ac),
 * the period's series bucketed into `step` ms (min, mean, max) in the database from the raw samples. Each snapshot's value is found by its position in the snapshot's name list instead of
 * unnesting every value through `system_metrics`, and it is decoded as `perf_snapshot_value`
 * (migration 001) does, with the width, tag and offset computed first in their own lateral
 * (OFFSET 0 keeps them plain columns): passed as expressions, they stop PostgreSQL from inlining
 * `perf_read_be` and `perf_unzigzag`, and a call per value costs several times the decoding
 *. `date_part` gives float8 where `extract` computes in numeric. Streams of one
 * source (other hosts or labels) share its buckets.
 */
async function rawCharts(q: Queryable, f: PeriodFilter, metrics: readonly string[], step: number): Promise<Omit<ReportChart, 'marks'>[]> {
  const r = await q.query<{ source: string; k: string | number; b: number; lo: number; mean: number; hi: number }>(
    `SELECT st.source, x.k, x.b, min(x.v) AS lo, avg(x.v) AS mean, max(x.v) AS hi FROM (
         SELECT s.stream_id, p.k, floor(date_part('epoch', s.ts) * 1000 / $4) AS b,
                CASE WHEN d.tag = 255 THEN s.f8[p.i]
                     ELSE perf_unzigzag(z.z)::float8 / ('{1,10,100,1000,10000,100000,1000000}'::float8[])[d.tag + 1] END AS v
         FROM metric_snapshots s
         JOIN (SELECT ms.id, u.k, array_position(ms.names, u.mm) AS i
               FROM metric_sets ms, unnest($5::text[]) WITH ORDINALITY AS u(mm, k)
               WHERE array_position(ms.names, u.mm) IS NOT NULL) p ON p.id = s.set_id
         CROSS JOIN LATERAL (SELECT get_byte(s.enc, 0) AS w, get_byte(s.enc, p.i) AS tag,
                                    (length(s.enc) - 1) / (1 + get_byte(s.enc, 0)) + 1 + (p.i - 1) * get_byte(s.enc, 0) AS o OFFSET 0) d
         CROSS JOIN LATERAL (SELECT CASE WHEN d.tag = 255 THEN 0 ELSE perf_read_be(s.enc, d.o, d.w) END AS z OFFSET 0) z
         WHERE s.ts >= $1 AND s.ts <= $2
           AND ($3::text[] IS NULL OR s.stream_id IN (SELECT id FROM metric_streams WHERE source = ANY($3)))
         OFFSET 0) x
     JOIN metric_streams st ON st.id = x.stream_id
     WHERE x.v IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [new Date(f.since), new Date(f.until), f.sources, step, [...metrics]],
  );
  const charts = new Map<string, Omit<ReportChart, 'marks'> & { points: [number, number, number, number][] }>();
  for (const row of r.rows) {
    const metric = metrics[Number(row.k) - 1]!;
    const key = `${row.source}\u0000${metric}`;
    let c = charts.get(key);
    if (!c) charts.set(key, (c = { source: row.source, metric, step_ms: step, points: [] }));
    c.points.push([Number(row.b) * step + step / 2, row.lo, row.mean, row.hi]);
  }
  return [...charts.values()];
}


/** `report`: a 24 h report of 100 sources (5 metrics, 15 s) from PostgreSQL, against just querying its series. */
const bench: Benchmark = {
  name: 'report',
  description: 'perf-engine report over 24 h of 100 sources (5 metrics every 15 s, tiers maintained as in the engine, with alerts and bottlenecks): gather + render HTML, against the raw-sample chart query the report ran before it read the tiers',
  async run(ctx): Promise<Figure[]> {
    const a = parseArgs(ctx.args);
    const schema = uniqueName('bench_report');
    const db = await openPgDb({ url: BENCH_PG_URL, schema });
    try {
      await migrate(db);
      const until = Date.now();
      const since = until - a.hours * 3_600_000;
      // The tiers are maintained as in the engine: the writer folds what it stores, the tier writer stores the buckets.
      const tiers = new TierWriter(db, pino({ level: 'silent' }));
      const writer = new MetricWriter(db, pino({ level: 'silent' }), { flushIntervalMs: 20, batchMaxSamples: 100_000, maxPendingSamples: 4_000_000, onStored: (s, x, y) => tiers.fold(s, x, y) });
      let n = 0;
      const [, loadMs] = await timed(async () => {
        const pending: Promise<void>[] = [];
        for (const batch of snapshots(a.sources, since, until, a.interval * 1000)) {
          pending.push(writer.write(batch));
          n += batch.length;
          if (pending.length >= 200) {
            await Promise.all(pending.splice(0));
            await tiers.flush();
          }
        }
        await Promise.all(pending);
        await writer.stop();
        await tiers.stop();
      });
      ctx.log(`loaded ${n} snapshots (${n * METRICS.length} samples) in ${(loadMs / 1000).toFixed(1)} s`);
      for (let i = 0; i < a.sources; i += 5) {
        const at = since + ((i * 7919) % (a.hours * 3_600_000));
        await db.query(
          `INSERT INTO alerts (alert_id, source, metric, rule, severity, state, value, threshold, started_at, fired_at, resolved_at, message, notified, machine, updated_at)
           VALUES ($1, $2, 'cpu_usage', 'threshold', 'critical', 'resolved', 95, 90, $3, $3, $4, 'cpu high', true, '{}'::jsonb, now())`,
          [randomUUID(), `agent-${i}`, new Date(at), new Date(at + 600_000)],
        );
        await db.query(
          `INSERT INTO bottlenecks (bottleneck_id, source, kind, severity, metric, status, started_at, detected_at, updated_at, summary, evidence, recommendations, related_sources, scope, state)
           VALUES ($1, $2, 'memory_leak', 'warning', 'memory_usage', 'active', $3, $3, $3, 'memory grows', '{"slope": 1}'::jsonb, '[{"action":"restart_before_exhaustion","params":{},"rationale":"grows"}]'::jsonb, '[]'::jsonb, 'agent', '{}'::jsonb)`,
          [randomUUID(), `agent-${i}`, new Date(at)],
        );
      }
      await db.query('ANALYZE');
      const layout = storeLayout(DEFAULTS);
      const period: PeriodFilter = { since, until, sources: null };
      const charted = ['cpu_usage', 'memory_usage'];
      const raw: number[] = [];
      const tiered: number[] = [];
      const full: number[] = [];
      const parts = { gather: 0, render: 0 };
      let bytes = 0;
      for (let r = 0; r < a.runs; r++) {
        // The reference, as the report read its charts before: the raw samples at the old step (one per 12 min over a day).
        raw.push((await timed(() => rawCharts(db, period, charted, Math.ceil((until - since) / 120))))[1]);
        tiered.push((await timed(() => periodSeries(db, layout, period, charted, chartStepMs(since, until, 120), Date.now())))[1]);
        const [html, ms] = await timed(async () => {
          const t0 = performance.now();
          const report = await gatherReport(db, { since, until, layout });
          const t1 = performance.now();
          const text = renderReport(report, 'html');
          parts.gather = t1 - t0;
          parts.render = performance.now() - t1;
          return text;
        });
        full.push(ms);
        bytes = html.length;
      }
      ctx.log(`raw chart query runs ${raw.map((x) => x.toFixed(0)).join(', ')} ms; tier chart reads ${tiered.map((x) => x.toFixed(0)).join(', ')} ms; report runs ${full.map((x) => x.toFixed(0)).join(', ')} ms (last: gather ${parts.gather.toFixed(0)} ms, render ${parts.render.toFixed(0)} ms)`);
      return [
        figure({
          bench: 'report',
          name: `HTML report, ${a.hours} h of ${a.sources} sources (${METRICS.length} metrics every ${a.interval} s), gather + render, median of ${a.runs}`,
          value: median(full),
          unit: 'ms',
          reference: { name: 'the raw-sample chart query the report ran before it read the tiers, alone (cpu_usage, memory_usage)', value: median(raw), unit: 'ms' },
          target: a.hours === 24 && a.sources === 100 && a.interval === 15 ? '< 5,000 ms' : undefined,
          met: median(full) < 5000,
          notes: `${n} snapshots, ${(bytes / 1024).toFixed(0)} KiB of HTML, ${a.sources / 5} alerts and ${a.sources / 5} bottlenecks; last run: gather ${parts.gather.toFixed(0)} ms, render ${parts.render.toFixed(0)} ms`,
        }),
        figure({
          bench: 'report',
          name: `the report's chart read (cpu_usage, memory_usage of ${a.sources} sources over ${a.hours} h) from the tiers, median of ${a.runs}`,
          value: median(tiered),
          unit: 'ms',
          reference: { name: 'the same charts from the raw samples, as before', value: median(raw), unit: 'ms' },
        }),
      ];
    } finally {
      await db.close();
      await dropSchema(schema);
    }
  },
};

export default bench;

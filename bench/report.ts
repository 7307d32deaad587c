import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { renderReport } from '../src/report/render-report.js';
import { gatherReport } from '../src/report/stage/gather-report.js';
import { periodCharts } from '../src/report/stage/report-queries.js';
import { migrate } from '../src/store/migrate.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { openPgDb } from '../src/store/pg-db.js';
import { figure, type Benchmark, type Figure } from './figure.js';
import { BENCH_PG_URL, dropSchema, uniqueName } from './lib/services.js';

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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `report`: a 24 h report of 100 sources (5 metrics, 15 s) from PostgreSQL, against just querying its series. */
const bench: Benchmark = {
  name: 'report',
  description: 'perf-engine report over 24 h of 100 sources (5 metrics every 15 s, with alerts and bottlenecks): gather + render HTML, against the bucketed series query alone',
  async run(ctx): Promise<Figure[]> {
    const a = parseArgs(ctx.args);
    const schema = uniqueName('bench_report');
    const db = await openPgDb({ url: BENCH_PG_URL, schema });
    try {
      await migrate(db);
      const until = Date.now();
      const since = until - a.hours * 3_600_000;
      const writer = new MetricWriter(db, pino({ level: 'silent' }), { flushIntervalMs: 20, batchMaxSamples: 100_000, maxPendingSamples: 4_000_000 });
      let n = 0;
      const [, loadMs] = await timed(async () => {
        const pending: Promise<void>[] = [];
        for (const batch of snapshots(a.sources, since, until, a.interval * 1000)) {
          pending.push(writer.write(batch));
          n += batch.length;
          if (pending.length >= 200) await Promise.all(pending.splice(0));
        }
        await Promise.all(pending);
        await writer.stop();
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
      const step = Math.ceil((until - since) / 120);
      const query: number[] = [];
      const full: number[] = [];
      let bytes = 0;
      for (let r = 0; r < a.runs; r++) {
        query.push((await timed(() => periodCharts(db, { since, until, sources: null }, ['cpu_usage', 'memory_usage'], step)))[1]);
        const [html, ms] = await timed(async () => renderReport(await gatherReport(db, { since, until }), 'html'));
        full.push(ms);
        bytes = html.length;
      }
      ctx.log(`query runs ${query.map((x) => x.toFixed(0)).join(', ')} ms; report runs ${full.map((x) => x.toFixed(0)).join(', ')} ms`);
      return [
        figure({
          bench: 'report',
          name: `HTML report, ${a.hours} h of ${a.sources} sources (${METRICS.length} metrics every ${a.interval} s), gather + render, median of ${a.runs}`,
          value: median(full),
          unit: 'ms',
          reference: { name: 'the bucketed series query alone (cpu_usage, memory_usage)', value: median(query), unit: 'ms' },
          target: a.hours === 24 && a.sources === 100 && a.interval === 15 ? '< 5,000 ms' : undefined,
          met: median(full) < 5000,
          notes: `${n} snapshots, ${(bytes / 1024).toFixed(0)} KiB of HTML, ${a.sources / 5} alerts and ${a.sources / 5} bottlenecks`,
        }),
      ];
    } finally {
      await db.close();
      await dropSchema(schema);
    }
  },
};

export default bench;

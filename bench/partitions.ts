import { pino } from 'pino';
import { HISTORY_SQL, HISTORY_WINDOW_MS, historyParams } from '../src/detect/stage/detector-state-repo.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { PartitionJob } from '../src/store/partition-job.js';
import { DailyPartitions } from '../src/store/partitions.js';
import { openPgDb } from '../src/store/pg-db.js';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { BENCH_PG_URL, dropSchema, uniqueName } from './lib/services.js';
import { argNumber } from './lib/args.js';

const DAY = 86_400_000;
const silent = pino({ level: 'silent' });

/** The warm-up statement as it was before issue 11: per-series bounds only, which the planner cannot prune with. */
const PRUNING_BOUNDS = 'AND s.ts > $6::timestamptz AND s.ts < $7::timestamptz';
if (!HISTORY_SQL.includes(PRUNING_BOUNDS)) throw new Error('bench partitions: HISTORY_SQL no longer holds its pruning bounds as this bench expects');
const UNPRUNED_HISTORY_SQL = HISTORY_SQL.replace(PRUNING_BOUNDS, 'AND $6::timestamptz IS NOT NULL AND $7::timestamptz IS NOT NULL');

async function withSchema<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const schema = uniqueName('bench_part');
  const db = await openPgDb({ url: BENCH_PG_URL, schema, poolSize: 4 });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
    await dropSchema(schema);
  }
}

/** Writes `snapshots` as one batch; returns the time from append to commit, ms. */
async function timedWrite(writer: MetricWriter, snapshots: readonly MetricSnapshot[]): Promise<number> {
  const t0 = performance.now();
  await writer.write(snapshots);
  const ms = performance.now() - t0;
  await writer.stop();
  return ms;
}

const writerOpts = { flushIntervalMs: 1, batchMaxSamples: 1_000_000, maxPendingSamples: 10_000_000 };

/**
 * One batch of `days` snapshots on as many distinct past days: written with the old unbounded
 * write path (the batch creates every partition), and with the partitions made ahead by the job
 * (the write path bounded to one); reference: the same batch on one day.
 */
async function writePath(ctx: BenchContext, days: number, now: number): Promise<Figure[]> {
  const spread = Array.from({ length: days }, (_, i) => ({ source: 'many-days', timestamp: now - (i + 1) * DAY, metrics: { v: i } }));
  const oneDay = spread.map((s, i) => ({ ...s, timestamp: now - 60_000 - i }));
  const before = await withSchema(async (db) => {
    await new DailyPartitions(db, 'metric_snapshots').ensure([Math.floor((now - 60_000) / DAY)]);
    const reference = await timedWrite(new MetricWriter(db, silent, writerOpts), oneDay);
    const unbounded = await timedWrite(new MetricWriter(db, silent, writerOpts), spread);
    return { reference, unbounded };
  });
  ctx.log(`unbounded write path: ${before.unbounded.toFixed(0)} ms`);
  const after = await withSchema(async (db) => {
    const job = new PartitionJob([new DailyPartitions(db, 'metric_snapshots')], () => ({ retentionDays: days + 2, futureSkewMs: 300_000, intervalSeconds: 3600 }), silent, { maxPerRun: days + 10, lockTimeoutMs: 2000, daysBeyond: 1, pauseMs: 0 });
    const t0 = performance.now();
    await job.runSoon(now);
    const jobMs = performance.now() - t0;
    await job.stop();
    const reference = await timedWrite(new MetricWriter(db, silent, writerOpts), oneDay);
    const writer = new MetricWriter(db, silent, { ...writerOpts, maxPartitionsPerBatch: 1 });
    const bounded = await timedWrite(writer, spread);
    return { reference, bounded, jobMs, created: writer.stats().partitionsCreated };
  });
  return [
    figure({
      bench: 'partitions',
      name: `write of one batch over ${days} distinct days, unbounded write path (before issue 11)`,
      value: before.unbounded,
      unit: 'ms',
      reference: { name: `same batch on one day, same schema`, value: before.reference, unit: 'ms' },
    }),
    figure({
      bench: 'partitions',
      name: `write of one batch over ${days} distinct days, partitions made ahead by the job, write path bounded to 1`,
      value: after.bounded,
      unit: 'ms',
      reference: { name: `same batch on one day, same schema`, value: after.reference, unit: 'ms' },
      notes: `partitions created by the write path: ${after.created}; the job created ${days + 2} partitions beforehand in ${after.jobMs.toFixed(0)} ms (background, off the write path); before/after ratio ${(before.unbounded / after.bounded).toFixed(1)}x`,
    }),
  ];
}

/** The warm-up of new series over `days` daily partitions: the statement with constant bounds, and the one without (reference). */
async function warmup(ctx: BenchContext, days: number, now: number): Promise<Figure[]> {
  return withSchema(async (db) => {
    await new DailyPartitions(db, 'metric_snapshots').ensure(Array.from({ length: days }, (_, i) => Math.floor(now / DAY) - i));
    const writer = new MetricWriter(db, silent, writerOpts);
    await writer.write(Array.from({ length: 2000 }, (_, i) => ({ source: `s${i % 20}`, timestamp: now - 3 * DAY + i * 60_000, metrics: { cpu_usage: i } })));
    await writer.stop();
    const requests = Array.from({ length: 20 }, (_, i) => ({ source: `s${i}`, metric: 'cpu_usage', before: now }));
    const group = requests.map((r, i) => ({ i, afterMs: r.before - HISTORY_WINDOW_MS, beforeMs: r.before }));
    const params = historyParams(requests, group, 12_000);
    // As the engine runs it (detector-state-repo.ts readHistory): without JIT.
    const time = async (sql: string) => {
      let best = Infinity;
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        await db.transaction(async (tx) => {
          await tx.query('SET LOCAL jit = off');
          await tx.query(sql, params);
        });
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const pruned = await time(HISTORY_SQL);
    const unpruned = await time(UNPRUNED_HISTORY_SQL);
    ctx.log(`warm-up over ${days} partitions: ${pruned.toFixed(1)} ms pruned, ${unpruned.toFixed(1)} ms unpruned`);
    return [
      figure({
        bench: 'partitions',
        name: `warm-up statement of 20 new series over ${days} daily partitions, pruned to its 15 days (best of 5)`,
        value: pruned,
        unit: 'ms',
        reference: { name: 'the statement without constant time bounds (before issue 11)', value: unpruned, unit: 'ms' },
      }),
    ];
  });
}

const bench: Benchmark = {
  name: 'partitions',
  description: 'Write path over many distinct days before/after partitions made ahead; warm-up query over many partitions, pruned or not. Args: --days N (default 1000).',
  async run(ctx) {
    const days = argNumber(ctx.args, '--days', 1000);
    const now = Date.now();
    return [...(await writePath(ctx, days, now)), ...(await warmup(ctx, days, now))];
  },
};

export default bench;

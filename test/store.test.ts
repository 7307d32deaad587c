import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { listSources, querySeries, storeCounts } from '../src/store/metric-queries.js';
import { openPgliteDb } from '../src/store/pglite-db.js';
import { runRetention } from '../src/store/retention.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { quietLogger, testDatabase } from './helpers/services.js';

const WRITER_OPTS = { flushIntervalMs: 5, batchMaxSamples: 10_000, maxPendingSamples: 1_000_000 };
const T0 = Date.parse('2026-11-20T10:00:00.000Z');

function snap(source: string, ts: number, metrics: Record<string, number>, extra: Partial<MetricSnapshot> = {}): MetricSnapshot {
  return { source, timestamp: ts, metrics, ...extra };
}

async function sampleCount(q: Queryable): Promise<number> {
  const r = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM system_metrics');
  return r.rows[0]!.n;
}

type Backend = { name: string; open(): Promise<{ db: Db; close(): Promise<void> }> };

const backends: Backend[] = [
  {
    name: 'postgres',
    async open() {
      const t = await testDatabase();
      return { db: t.db, close: t.drop };
    },
  },
  {
    name: 'pglite',
    async open() {
      const db = await openPgliteDb(null, 'public');
      await migrate(db);
      return { db, close: () => db.close() };
    },
  },
];

describe.each(backends)('metric store on $name', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await backend.open());
  });
  afterAll(async () => close());

  it('migrations are idempotent and recorded', async () => {
    const again = await migrate(db);
    expect(again.applied).toEqual([]);
    const r = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(r.rows.map((x) => x.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('writes snapshots that read back one row per sample through system_metrics', async () => {
    const writer = new MetricWriter(db, quietLogger(), WRITER_OPTS);
    await writer.write([
      snap('agent-a', T0, { cpu_usage: 12.5, memory_usage: 40 }, { host: 'h1', labels: { region: 'eu' }, health: 'healthy' }),
      snap('agent-a', T0 + 15_000, { cpu_usage: 13.25, memory_usage: 41 }, { host: 'h1', labels: { region: 'eu' } }),
      snap('agent-b', T0, { cpu_usage: 99.75 }),
    ]);
    const rows = await db.query<{ ts: Date; source: string; metric: string; value: number; host: string | null; labels: unknown; health: string | null }>(
      `SELECT ts, source, metric, value, host, labels, health FROM system_metrics ORDER BY source, ts, metric`,
    );
    expect(rows.rows).toHaveLength(5);
    const first = rows.rows[0]!;
    expect(new Date(first.ts).toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(first).toMatchObject({ source: 'agent-a', metric: 'cpu_usage', value: 12.5, host: 'h1', health: 'healthy' });
    expect(typeof first.labels === 'string' ? JSON.parse(first.labels) : first.labels).toEqual({ region: 'eu' });
    expect(rows.rows[4]).toMatchObject({ source: 'agent-b', metric: 'cpu_usage', value: 99.75, host: null, health: null });
    const series = await querySeries(db, 'agent-a', 'cpu_usage', T0 - 1, T0 + 60_000);
    expect(series).toEqual([
      { timestamp: T0, value: 12.5 },
      { timestamp: T0 + 15_000, value: 13.25 },
    ]);
    const sources = await listSources(db);
    expect(sources.map((s) => s.source).sort()).toEqual(['agent-a', 'agent-b']);
    await writer.stop();
  });

  it('written() waits for what was appended before it, not for what keeps arriving (flush() would)', async () => {
    const writer = new MetricWriter(db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 1_000_000, maxPendingSamples: 10_000_000 });
    writer.append([snap('steady', T0, { cpu_usage: 1 })]);
    let streaming = true;
    let t = T0;
    // A steady stream: something is pending at every moment.
    const stream = (async () => {
      while (streaming) {
        t += 1000;
        writer.append([snap('steady-more', t, { cpu_usage: 2 })]);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await writer.written();
    expect(await querySeries(db, 'steady', 'cpu_usage', T0 - 1, T0 + 1)).toEqual([{ timestamp: T0, value: 1 }]);
    streaming = false;
    await stream;
    await writer.stop();
  });

  it('keeps full float precision, extreme values and many metrics per snapshot', async () => {
    const writer = new MetricWriter(db, quietLogger(), WRITER_OPTS);
    const metrics: Record<string, number> = {};
    const special = [Number.MAX_VALUE, -5e-324, -0, 0.1 + 0.2, 2 ** 52 - 1, -(2 ** 51) + 0.5, 2 ** 60, 37.28, -0.001, 1e-7];
    for (let i = 0; i < 1000; i++) metrics[`m${i}`] = i < special.length ? special[i]! : i % 2 ? Math.PI * i : i / 100;
    await writer.write([snap('precise', T0, metrics)]);
    const rows = await db.query<{ metric: string; value: number }>(
      `SELECT metric, value FROM system_metrics WHERE source = 'precise'`,
    );
    expect(rows.rows).toHaveLength(1000);
    for (const row of rows.rows) {
      expect(Object.is(Number(row.value), metrics[row.metric]), `${row.metric}: ${row.value} vs ${metrics[row.metric]}`).toBe(true);
    }
    await writer.stop();
  });

  it('creates day partitions on demand for late and replayed data', async () => {
    const writer = new MetricWriter(db, quietLogger(), WRITER_OPTS);
    const old = Date.parse('2015-03-01T12:00:00Z');
    await writer.write([snap('replay', old, { v: 1 }), snap('replay', old + 86_400_000, { v: 2 })]);
    const parts = await db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE p.relname = 'metric_snapshots' AND n.nspname = current_schema()`,
    );
    const names = parts.rows.map((r) => r.relname);
    expect(names).toContain('metric_snapshots_p20150301');
    expect(names).toContain('metric_snapshots_p20150302');
    await writer.stop();
  });

  it('never writes a batch twice when the commit outcome was lost and the write is retried', async () => {
    let failOnce = true;
    const flaky: Db = {
      ...db,
      query: db.query.bind(db),
      exec: db.exec.bind(db),
      transaction: async (fn) => {
        const result = await db.transaction(fn);
        if (failOnce) {
          failOnce = false;
          throw Object.assign(new Error('connection lost after commit'), { code: '08006' });
        }
        return result;
      },
    };
    const before = await sampleCount(db);
    const writer = new MetricWriter(flaky, quietLogger(), WRITER_OPTS);
    await writer.write([snap('retry', T0, { a: 1, b: 2, c: 3 })]);
    expect(await sampleCount(db)).toBe(before + 3);
    expect(writer.stats().retries).toBe(1);
    await writer.stop();
  });

  it('isolates a message the database refuses: the others in its batch are stored', async () => {
    const picky: Db = {
      ...db,
      exec: db.exec.bind(db),
      transaction: db.transaction.bind(db),
      query: (sql, params) => {
        if (sql.includes('INSERT INTO metric_streams') && JSON.stringify(params).includes('poison')) {
          return Promise.reject(Object.assign(new Error('invalid input'), { code: '22P02' }));
        }
        return db.query(sql, params);
      },
    };
    const writer = new MetricWriter(picky, quietLogger(), { ...WRITER_OPTS, flushIntervalMs: 50 });
    const outcomes: string[] = [];
    const cb = (name: string) => (err?: Error) => outcomes.push(`${name}:${err ? 'failed' : 'ok'}`);
    writer.append([snap('iso-1', T0, { v: 1 })], cb('a'));
    writer.append([snap('poison', T0, { v: 2 })], cb('b'));
    writer.append([snap('iso-2', T0, { v: 3 })], cb('c'));
    await writer.flush();
    expect(outcomes.sort()).toEqual(['a:ok', 'b:failed', 'c:ok']);
    expect((await querySeries(db, 'iso-2', 'v', T0, T0)).map((x) => x.value)).toEqual([3]);
    expect(writer.stats().failedSamples).toBe(1);
    await writer.stop();
  });

  it('refuses appends beyond the pending limit (back-pressure) and after stop', async () => {
    const writer = new MetricWriter(db, quietLogger(), { flushIntervalMs: 1000, batchMaxSamples: 1_000_000, maxPendingSamples: 1000 });
    const big = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`m${i}`, i]));
    expect(writer.append([snap('bp', T0, big)])).toBe(true);
    expect(writer.append([snap('bp', T0 + 1, big)])).toBe(false);
    expect(writer.stats().refusedSamples).toBe(600);
    await writer.stop();
    expect(writer.append([snap('bp', T0 + 2, { x: 1 })])).toBe(false);
    expect((await querySeries(db, 'bp', 'm0', T0, T0 + 10)).length).toBe(1);
  });

  it('retention drops whole expired partitions, deletes old rows, and follows a changed retention', async () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const writer = new MetricWriter(db, quietLogger(), WRITER_OPTS);
    const day = 86_400_000;
    await writer.write([snap('ret', now - 40 * day, { v: 1 }), snap('ret', now - 10 * day, { v: 2 }), snap('ret', now, { v: 3 })]);
    await db.query(
      `INSERT INTO bottlenecks (bottleneck_id, source, kind, severity, status, detected_at, updated_at, summary)
       VALUES (gen_random_uuid(), 'ret', 'cpu_saturation', 'warning', 'resolved', $1, $1, 'old'),
              (gen_random_uuid(), 'ret', 'anomaly', 'warning', 'active', $2, $2, 'new')`,
      [new Date(now - 40 * day), new Date(now - day)],
    );
    const first = await runRetention(db, [writer.partitions], 30, now);
    expect(first.droppedPartitions.map((p) => p.day)).toContain('2026-10-16');
    expect(first.deletedRows.bottlenecks).toBe(1);
    expect((await querySeries(db, 'ret', 'v', 0, now)).map((s) => s.value)).toEqual([2, 3]);
    const second = await runRetention(db, [writer.partitions], 5, now);
    expect(second.droppedPartitions.map((p) => p.day)).toContain('2026-11-15');
    expect((await querySeries(db, 'ret', 'v', 0, now)).map((s) => s.value)).toEqual([3]);
    await writer.stop();
  });

  it('counts what is stored for status', async () => {
    const c = await storeCounts(db);
    expect(c.samples).toBeGreaterThan(0);
    expect(c.streams).toBeGreaterThan(0);
  });
});

describe('system_metrics on postgres', () => {
  it('uses an index for one series over a time range', async () => {
    const t = await testDatabase();
    try {
      const writer = new MetricWriter(t.db, quietLogger(), WRITER_OPTS);
      const snaps: MetricSnapshot[] = [];
      for (let s = 0; s < 50; s++) for (let i = 0; i < 200; i++) snaps.push(snap(`src-${s}`, T0 + i * 1000, { cpu_usage: i, memory_usage: s }));
      await writer.write(snaps);
      await writer.stop();
      await t.db.query('ANALYZE');
      const plan = await t.db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT ts, value FROM system_metrics
         WHERE source = 'src-7' AND metric = 'cpu_usage' AND ts >= '2026-11-20T10:00:10Z' AND ts < '2026-11-20T10:01:00Z'`,
      );
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
      expect(text).not.toMatch(/Seq Scan on metric_snapshots/);
    } finally {
      await t.drop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { openPgliteDb } from '../src/store/pglite-db.js';
import { quietLogger, testDatabase } from './helpers/services.js';

const OPTS = { flushIntervalMs: 5, batchMaxSamples: 10_000, maxPendingSamples: 1_000_000 };
const T0 = Date.parse('2026-11-21T08:00:00.000Z');

function snap(source: string, ts: number, metrics: Record<string, number>, extra: Partial<MetricSnapshot> = {}): MetricSnapshot {
  return { source, timestamp: ts, metrics, ...extra };
}

/** Rows of `metric_snapshots` of a source: one per stored snapshot. */
async function stored(db: Db, source: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM metric_snapshots s JOIN metric_streams st ON st.id = s.stream_id WHERE st.source = $1`,
    [source],
  );
  return r.rows[0]!.n;
}

/** Appends and waits for the commit callback, resolving with its error, if any. */
function append(w: MetricWriter, snaps: MetricSnapshot[], opts: { msgId?: string; maybeStored?: boolean } = {}): Promise<Error | undefined> {
  return new Promise((resolve, reject) => {
    if (!w.append(snaps, (err) => resolve(err), undefined, opts)) reject(new Error('refused'));
  });
}

const backends = [
  { name: 'postgres', open: async () => { const t = await testDatabase(); return { db: t.db, close: t.drop }; } },
  {
    name: 'pglite',
    open: async () => {
      const db = await openPgliteDb(null, 'public');
      await migrate(db);
      return { db, close: () => db.close() };
    },
  },
];

describe.each(backends)('idempotent snapshot writes on $name', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await backend.open());
  });
  afterAll(async () => close());

  it('stores the same snapshot once, whether it comes again in a later batch or in the same one', async () => {
    const w = new MetricWriter(db, quietLogger(), OPTS);
    const s = snap('same', T0, { cpu_usage: 12.5, memory_usage: 40.25 }, { host: 'h', labels: { a: 'b' }, health: 'healthy' });
    expect(await append(w, [s])).toBeUndefined();
    expect(await append(w, [{ ...s, metrics: { ...s.metrics } }])).toBeUndefined();
    const twice = Promise.all([append(w, [s]), append(w, [s, snap('same', T0 + 1000, { cpu_usage: 1, memory_usage: 2 })])]);
    expect(await twice).toEqual([undefined, undefined]);
    expect(await stored(db, 'same')).toBe(2);
    expect(w.stats().duplicateSnapshots).toBe(3);
    await w.stop();
  });

  it('keeps snapshots that differ in content, health or labels at the same time', async () => {
    const w = new MetricWriter(db, quietLogger(), OPTS);
    await append(w, [snap('differ', T0, { v: 1 })]);
    await append(w, [snap('differ', T0, { v: 2 })]);
    await append(w, [snap('differ', T0, { v: 1 }, { health: 'degraded' })]);
    await append(w, [snap('differ', T0, { v: 1 }, { labels: { x: 'y' } })]);
    await append(w, [snap('differ', T0, { w: 1 })]);
    expect(await stored(db, 'differ')).toBe(5);
    await w.stop();
  });

  it('keys snapshots by the message id when there is one: a repeated id is stored once', async () => {
    const w = new MetricWriter(db, quietLogger(), OPTS);
    const batch = [snap('by-id', T0, { v: 1 }), snap('by-id', T0, { v: 1 }, { labels: { k: 'l' } })];
    await append(w, batch, { msgId: 'msg-1' });
    await append(w, batch, { msgId: 'msg-1' });
    await append(w, batch, { msgId: 'msg-1', maybeStored: true });
    expect(await stored(db, 'by-id')).toBe(2);
    await append(w, [snap('by-id', T0, { v: 1 })], { msgId: 'msg-2' });
    expect(await stored(db, 'by-id')).toBe(3);
    await w.stop();
  });

  it('checks a redelivery before writing it, so the batch does not fail first', async () => {
    const w = new MetricWriter(db, quietLogger(), OPTS);
    const s = snap('redelivered', T0, { v: 7 });
    await append(w, [s]);
    const before = w.stats();
    expect(await append(w, [s], { maybeStored: true })).toBeUndefined();
    expect(w.stats().duplicateSnapshots - before.duplicateSnapshots).toBe(1);
    expect(w.stats().retries).toBe(before.retries);
    expect(await stored(db, 'redelivered')).toBe(1);
    await w.stop();
  });

  it('stores a snapshot once when two writers (two engines) write it at the same time', async () => {
    const writers = [new MetricWriter(db, quietLogger(), OPTS), new MetricWriter(db, quietLogger(), OPTS)];
    const snaps = Array.from({ length: 200 }, (_, i) => snap(`race-${i % 5}`, T0 + i * 1000, { a: i, b: i / 4 }));
    const results = await Promise.all(writers.flatMap((w) => [append(w, snaps.slice(0, 120)), append(w, snaps.slice(80))]));
    expect(results.every((r) => r === undefined)).toBe(true);
    let total = 0;
    for (let i = 0; i < 5; i++) total += await stored(db, `race-${i}`);
    expect(total).toBe(200);
    for (const w of writers) await w.stop();
  });
});

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { StreamRegistry } from '../src/store/stream-registry.js';
import { openPgDb } from '../src/store/pg-db.js';
import { openPgliteDb } from '../src/store/pglite-db.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { PG_URL, dropSchema, quietLogger, uniqueSchema } from './helpers/services.js';

const WRITER_OPTS = { flushIntervalMs: 5, batchMaxSamples: 10_000, maxPendingSamples: 1_000_000 };
const T0 = Date.parse('2026-11-20T10:00:00.000Z');

type Backend = { name: string; open(): Promise<{ db: Db; close(): Promise<void> }> };
const backends: Backend[] = [
  {
    name: 'postgres',
    async open() {
      const schema = uniqueSchema();
      const db = await openPgDb({ url: PG_URL, schema, poolSize: 2 });
      return { db, close: async () => (await db.close(), await dropSchema(schema)) };
    },
  },
  { name: 'pglite', open: async () => ({ db: await openPgliteDb(null, 'public'), close: async () => undefined }) },
];

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function streams(db: Db): Promise<{ id: number; labels: Record<string, unknown>; key: string }[]> {
  const r = await db.query<{ id: number; labels: unknown; key: string }>(
    `SELECT id, labels, encode(stream_key, 'hex') AS key FROM metric_streams ORDER BY id`,
  );
  return r.rows.map((row) => ({ id: row.id, labels: (typeof row.labels === 'string' ? JSON.parse(row.labels) : row.labels) as Record<string, unknown>, key: row.key }));
}

async function labelsOf(db: Db, source: string, metric: string): Promise<unknown[]> {
  const r = await db.query<{ labels: unknown }>('SELECT labels FROM system_metrics WHERE source = $1 AND metric = $2 ORDER BY ts', [source, metric]);
  return r.rows.map((row) => (typeof row.labels === 'string' ? JSON.parse(row.labels) : row.labels));
}

describe.each(backends)('stream keys on $name', (backend) => {
  it('migration 005 keys every existing stream by its digest, and writes afterwards find those streams again', async () => {
    const opened = await backend.open();
    close = opened.close;
    const { db } = opened;
    await migrate(db, MIGRATIONS.filter((m) => m.version <= 3));
    // Streams as the old key left them: two that the old in-memory key confused, and one label set
    // with a non-string value, which the old schema let through under a key with a newline.
    await db.query(
      `INSERT INTO metric_streams (source, host, labels) VALUES ('a', '', '{"a=b": "c"}'), ('a', '', '{"a": "b=c"}'), ('a', 'h', $1::jsonb)`,
      [JSON.stringify({ 'k\n': 1 })],
    );
    await migrate(db);
    const before = await streams(db);
    // The digest of the canonical JSON text of [source, host, labels], as jsonb prints it.
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(before.map((s) => s.key)).toEqual([sha('["a", "", {"a=b": "c"}]'), sha('["a", "", {"a": "b=c"}]'), sha('["a", "h", {"k\\n": 1}]')]);
    expect(new Set(before.map((s) => s.key)).size).toBe(3);
    expect(before.every((s) => /^[0-9a-f]{64}$/.test(s.key))).toBe(true);

    const writer = new MetricWriter(db, quietLogger(), WRITER_OPTS);
    await writer.write([
      { source: 'a', timestamp: T0, metrics: { x: 1 }, labels: { a: 'b=c' } },
      { source: 'a', timestamp: T0, metrics: { x: 2 }, labels: { 'a=b': 'c' } },
    ]);
    await writer.stop();
    expect((await streams(db)).map((s) => s.id)).toEqual(before.map((s) => s.id));
    const r = await db.query<{ id: number; value: number }>(
      `SELECT st.id, m.value FROM system_metrics m JOIN metric_streams st ON st.labels = m.labels AND st.source = m.source ORDER BY m.value`,
    );
    expect(r.rows.map((row) => [row.id, Number(row.value)])).toEqual([
      [before[1]!.id, 1],
      [before[0]!.id, 2],
    ]);
  });

  it('keeps labels that join to the same text apart, and stores 32 labels of 1024 four-byte characters', async () => {
    const opened = await backend.open();
    close = opened.close;
    const { db } = opened;
    await migrate(db);
    const big = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`label_${String(i).padStart(2, '0')}`, '😀'.repeat(1024)]));
    const snaps: MetricSnapshot[] = [
      { source: 's', timestamp: T0, metrics: { v: 1 }, labels: { 'a=b': 'c' } },
      { source: 's', timestamp: T0 + 1, metrics: { v: 2 }, labels: { a: 'b=c' } },
      { source: 's', timestamp: T0 + 2, metrics: { v: 3 }, labels: { a: 'b', 'b=c': '' } },
      { source: 's', timestamp: T0 + 3, metrics: { v: 4 }, labels: big },
      { source: 's', timestamp: T0 + 4, metrics: { v: 5 }, labels: { a: 'b=c' } },
    ];
    const writer = new MetricWriter(db, quietLogger(), WRITER_OPTS);
    await writer.write(snaps.slice(0, 4));
    await writer.write(snaps.slice(4));
    await writer.stop();
    expect(await labelsOf(db, 's', 'v')).toEqual(snaps.map((s) => s.labels));
    expect((await streams(db)).length).toBe(4);
  });

  it('gives each list of metric names its own set, in order, whether it repeats the previous snapshot\'s or not', async () => {
    const opened = await backend.open();
    close = opened.close;
    const { db } = opened;
    await migrate(db);
    const registry = new StreamRegistry();
    const snap = (i: number, names: string[]): MetricSnapshot => ({ source: `s${i % 2}`, timestamp: T0 + i, metrics: Object.fromEntries(names.map((n) => [n, i])) });
    const lists = [['a', 'b'], ['a', 'b'], ['a', 'b', 'c'], ['b', 'a'], ['a', 'b'], ['a'], ['a']];
    const first = await registry.resolve(db, lists.map((l, i) => snap(i, l)));
    // A second call starts from the last list of the first; the same lists map to the same sets.
    const second = await registry.resolve(db, [snap(7, ['a']), snap(8, ['a', 'b', 'c']), snap(9, ['b', 'a'])]);
    const names = async (id: number) => (await db.query<{ names: string[] }>('SELECT names FROM metric_sets WHERE id = $1', [id])).rows[0]?.names;
    expect(await Promise.all([...first.setIds].map(names))).toEqual(lists);
    expect([...second.setIds]).toEqual([first.setIds[5], first.setIds[2], first.setIds[3]]);
    expect(new Set(first.setIds).size).toBe(4);
  });
});


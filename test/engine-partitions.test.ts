import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartitionJobStatus } from '../src/store/partition-job.js';
import { dayOf, partitionDay } from '../src/store/partitions.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { waitFor } from './helpers/services.js';

const DAY = 86_400_000;
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('the engine makes the partitions of its accepted window ahead (issue 11)', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine({ PERF_ENGINE_DATA_RETENTION_DAYS: '4' }, { collectors: [] });
  });
  afterAll(async () => t?.stop());

  async function days(table: string): Promise<number[]> {
    const r = await t.engine.agent.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace WHERE p.relname = $1 AND n.nspname = $2`,
      [table, t.schema],
    );
    return r.rows.map((row) => partitionDay(table, row.name)!).sort((a, b) => a - b);
  }

  it('has them before ingest starts and for the whole window soon after; a batch over every day of it creates none in the write path', async () => {
    const now = Date.now();
    const today = dayOf(now);
    // The near days exist once start() returned.
    expect(await days('metric_snapshots')).toEqual(expect.arrayContaining([today - 1, today, today + 1]));
    const status = async () => ((await t.engine.status()) as { partitions: PartitionJobStatus }).partitions;
    await waitFor(async () => (await status()).missing === 0 && (await status()).runs >= 2, 10_000);
    const window = Array.from({ length: 4 + 2 }, (_, i) => dayOf(now - 4 * DAY) + i);
    expect(await days('metric_snapshots')).toEqual(window);
    const oneMinute = await days('metric_tier_1m');
    for (const d of window) expect(oneMinute).toContain(d);
    const batch = Array.from({ length: 4 }, (_, i) => ({ source: 'window', timestamp: now - i * DAY - 60_000, metrics: { v: i } }));
    const reply = (await t.nc.request(`${t.prefix}monitoring.realtime_metrics`, enc(batch), { timeout: 5000 })).json<{ ok: boolean }>();
    expect(reply).toEqual({ ok: true, samples: 4 });
    const metrics = await (await fetch(`${t.http}/metrics`)).text();
    expect(metrics).toContain('perf_engine_store_write_path_partitions_total 0');
    expect(metrics).toContain('perf_engine_store_partition_waits_total 0');
    expect((await status()).lastError).toBeNull();
  });
});

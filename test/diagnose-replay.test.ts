import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { syntheticStream, type SyntheticOptions } from '../src/tools/simulate/synthetic/synthetic-stream.js';
import { collectBottlenecks, normalisedBottlenecks, renamed, replaySnapshots, type SeenBottleneck } from './helpers/bottleneck-stream.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { PG_URL, waitFor } from './helpers/services.js';

let t: TestEngine;
let seen: SeenBottleneck[];

beforeAll(async () => {
  t = await startTestEngine({ PERF_ENGINE_DIAGNOSE_STALE_SECONDS: '3600', PERF_ENGINE_STORE_FLUSH_INTERVAL_MS: '2' }, { collectors: [] });
  seen = collectBottlenecks(t.nc, t.prefix);
});
afterAll(async () => t?.stop());

/** Three hours of two agents on one host every 15 s, one injected episode of `kind` after two hours, ending a good while before the stream does. */
function oneEpisode(kind: SyntheticOptions['kinds'][number], seed: number) {
  return syntheticStream({
    seed,
    start: Date.now() - 6 * 3_600_000,
    durationMs: 3 * 3_600_000,
    agents: 2,
    hosts: 1,
    warmupMs: 2 * 3_600_000,
    episodeMs: [20 * 60_000, 20 * 60_000],
    kinds: [kind],
  });
}

async function rows(source: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query(`SELECT bottleneck_id, kind, status, source, detected_at, resolved_at, summary, recommendations FROM "${t.schema}".bottlenecks WHERE source = $1`, [source])).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

describe('diagnosis of a replayed synthetic stream through the engine (NATS, PostgreSQL)', () => {
  it('publishes exactly one performance.bottleneck_detected of the injected kind on the injected agent, stores it, and resolves it', async () => {
    const stream = oneEpisode('slow_db_query', 21);
    const truth = stream.truth;
    expect(truth.map((e) => e.kind)).toEqual(['slow_db_query']);
    const snapshots = renamed([...stream.snapshots()], 'a-');
    await replaySnapshots(t.nc, t.prefix, snapshots);
    const source = `a-${truth[0]!.source}`;
    await waitFor(() => seen.some((b) => b.body.source === source && b.body.update === 'resolved'), 20_000);
    const detected = seen.filter((b) => b.subject === 'detected' && String(b.body.source).startsWith('a-'));
    expect(detected.map((b) => `${b.body.kind} ${b.body.source}`)).toEqual([`slow_db_query ${source}`]);
    const d = detected[0]!.body;
    const lag = Date.parse(String(d.detected_at)) - truth[0]!.start;
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThanOrEqual(2 * 15_000 + Math.max(30_000, 4 * 15_000));
    expect(String(d.summary)).toMatch(new RegExp(`^${source} query p95 at [\\d.]+ ms for \\d+ s, [\\d.]+x its baseline`));
    expect(d.recommendations).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'inspect_pg_stat_statements' })]));
    expect(d.evidence).toMatchObject({ scope: 'agent', auto_profile: { skipped: 'disabled' }, metrics: { db_query_p95_ms: { value: expect.any(Number) } } });
    const stored = await rows(source);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ bottleneck_id: d.bottleneck_id, kind: 'slow_db_query', status: 'resolved' });
    const resolved = seen.find((b) => b.body.bottleneck_id === d.bottleneck_id && b.body.update === 'resolved')!.body;
    expect(Date.parse(String(resolved.resolved_at))).toBeGreaterThan(truth[0]!.end - 60_000);
    expect(Date.parse(String(resolved.resolved_at))).toBeLessThan(truth[0]!.end + 120_000);
    const api = (await (await fetch(`${t.http}/api/v1/bottlenecks?source=${source}`)).json()) as { bottlenecks: { bottleneck_id: string; status: string }[] };
    expect(api.bottlenecks.map((b) => [b.bottleneck_id, b.status])).toEqual([[d.bottleneck_id, 'resolved']]);
  });

  it('gives exactly the same bottleneck messages for one stream replayed three times: in batches of 500, of 7, and one snapshot at a time', { timeout: 120_000 }, async () => {
    const stream = oneEpisode('disk_io_saturation', 5);
    const all = [...stream.snapshots()];
    // Only the last hour and a half: the paced replay stays short, the episode is inside.
    const from = stream.truth[0]!.start - 80 * 60_000;
    const part: MetricSnapshot[] = all.filter((s) => s.timestamp >= from);
    const runs = ['big-', 'small-', 'paced-'];
    await replaySnapshots(t.nc, t.prefix, renamed(part, 'big-'), { batch: 500 });
    await replaySnapshots(t.nc, t.prefix, renamed(part, 'small-'), { batch: 7 });
    await replaySnapshots(t.nc, t.prefix, renamed(part, 'paced-'), { paceMs: 1 });
    await waitFor(() => runs.every((p) => seen.some((b) => String(b.body.source).startsWith(p) && b.body.update === 'resolved')), 60_000);
    // Everything but the ids and the automatic profile: kinds, sources, updates, times, summaries
    // and the evidence's figures. Snapshots wait while new series' stored history loads, so each is
    // analysed with the same history and in the same order however fast the stream arrived. The
    // automatic profile is decided once the bottleneck's row is stored, so the messages built
    // before that write ends lack it, and how many those are depends on the pace.
    const withoutProfile = (p: string) =>
      normalisedBottlenecks(seen, p).map((b) => {
        const { auto_profile: _, ...evidence } = b.evidence as Record<string, unknown>;
        return { ...b, evidence } as Record<string, unknown>;
      });
    const first = withoutProfile('big-');
    expect(first[0]).toMatchObject({ subject: 'detected', kind: 'disk_io_saturation', source: `<p>${stream.truth[0]!.source}` });
    expect(first.filter((b) => b.subject === 'detected')).toHaveLength(1);
    for (const p of ['small-', 'paced-']) expect(withoutProfile(p)).toEqual(first);
  });
});

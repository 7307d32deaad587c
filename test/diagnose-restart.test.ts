import { afterAll, describe, expect, it } from 'vitest';
import { syntheticStream } from '../src/tools/simulate/synthetic/synthetic-stream.js';
import { collectBottlenecks, replaySnapshots } from './helpers/bottleneck-stream.js';
import { runCli } from './helpers/cli.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { dropSchema, NATS_URL, PG_URL, uniqueSchema, waitFor } from './helpers/services.js';

const schema = uniqueSchema('d');
const prefix = `${schema}.`;
const ENV = {
  PERF_ENGINE_DATABASE_SCHEMA: schema,
  PERF_ENGINE_NATS_SUBJECT_PREFIX: prefix,
  PERF_ENGINE_STORE_FLUSH_INTERVAL_MS: '2',
  PERF_ENGINE_DIAGNOSE_STALE_SECONDS: '3600',
  PERF_ENGINE_ENABLE_AUTO_PROFILING: 'true',
};
const engines: TestEngine[] = [];

afterAll(async () => {
  for (const e of engines) await e.stop().catch(() => undefined);
  await dropSchema(schema);
});

async function start(): Promise<TestEngine> {
  const e = await startTestEngine(ENV, { collectors: [] });
  engines.push(e);
  return e;
}

describe('diagnosis across a restart', () => {
  it('continues the open bottleneck after a restart: no second performance.bottleneck_detected, one resolution with the same id', async () => {
    const stream = syntheticStream({
      seed: 8,
      start: Date.now() - 6 * 3_600_000,
      durationMs: 3 * 3_600_000,
      agents: 2,
      hosts: 1,
      warmupMs: 2 * 3_600_000,
      episodeMs: [30 * 60_000, 30 * 60_000],
      kinds: ['cpu_saturation'],
    });
    const e = stream.truth[0]!;
    const all = [...stream.snapshots()];
    const middle = e.start + 15 * 60_000;
    const first = await start();
    const seen = collectBottlenecks(first.nc, prefix);
    await replaySnapshots(first.nc, prefix, all.filter((s) => s.timestamp < middle));
    await waitFor(() => seen.some((b) => b.subject === 'detected'), 10_000);
    await first.engine.diagnosis!.flushed();
    await first.engine.stop();

    const second = await start();
    expect((second.engine.diagnosis!.status()).active).toBe(1);
    await replaySnapshots(second.nc, prefix, all.filter((s) => s.timestamp >= middle));
    await waitFor(() => seen.some((b) => b.body.update === 'resolved'), 20_000);
    const detected = seen.filter((b) => b.subject === 'detected');
    expect(detected.map((b) => `${b.body.kind} ${b.body.source}`)).toEqual([`cpu_saturation ${e.source}`]);
    // With enable_auto_profiling the profiling service was asked for a CPU profile of the agent.
    expect((detected[0]!.body.evidence as { auto_profile: unknown }).auto_profile).toEqual({ profile_id: expect.stringMatching(/^[0-9a-f-]{36}$/), kind: 'cpu' });
    const resolved = seen.filter((b) => b.body.update === 'resolved');
    expect(resolved.map((b) => b.body.bottleneck_id)).toEqual([detected[0]!.body.bottleneck_id]);
    expect(Date.parse(String(resolved[0]!.body.resolved_at))).toBeGreaterThan(e.end - 60_000);

    const cliEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: PG_URL, NATS_URL, ...ENV };
    const cli = await runCli(['bottlenecks', '--json', '--source', e.source], cliEnv);
    expect(cli.status, cli.stderr).toBe(0);
    const listed = JSON.parse(cli.stdout) as { bottleneck_id: string; status: string; kind: string; evidence: Record<string, unknown> }[];
    expect(listed.map((b) => [b.bottleneck_id, b.status, b.kind])).toEqual([[detected[0]!.body.bottleneck_id, 'resolved', 'cpu_saturation']]);
    expect(listed[0]!.evidence).toMatchObject({ scope: 'agent', metrics: { event_loop_utilization: expect.objectContaining({ value: expect.any(Number) }) } });
    const active = await runCli(['bottlenecks', '--active'], cliEnv);
    expect(active.stdout.trim()).toBe('no bottlenecks');
    const bad = await runCli(['bottlenecks', '--since', 'yesterday'], { PATH: process.env.PATH, HOME: process.env.HOME });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--since "yesterday": expected a duration/);
  });
});

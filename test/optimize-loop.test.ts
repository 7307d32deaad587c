import { afterAll, describe, expect, it } from 'vitest';
import { OptimizationStatusMessage } from '../src/wire/optimizing.js';
import { InsightsMessage } from '../src/wire/insights.js';
import { wireAjv } from '../src/wire/wire-ajv.js';
import { replaySnapshots } from './helpers/bottleneck-stream.js';
import { agentStream } from './helpers/change-stream.js';
import { runCli } from './helpers/cli.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { dropSchema, NATS_URL, PG_URL, uniqueSchema, waitFor } from './helpers/services.js';

const schema = uniqueSchema('o');
const prefix = `${schema}.`;
const ENV = { PERF_ENGINE_DATABASE_SCHEMA: schema, PERF_ENGINE_NATS_SUBJECT_PREFIX: prefix, PERF_ENGINE_STORE_FLUSH_INTERVAL_MS: '2', PERF_ENGINE_OPTIMIZATION_INSIGHTS_INTERVAL_SECONDS: '0' };
const engines: TestEngine[] = [];
const checkStatus = wireAjv.compile(OptimizationStatusMessage);
const checkInsights = wireAjv.compile(InsightsMessage);

afterAll(async () => {
  for (const e of engines) await e.stop().catch(() => undefined);
  await dropSchema(schema);
});

async function start(): Promise<TestEngine> {
  const e = await startTestEngine(ENV, { collectors: [] });
  engines.push(e);
  return e;
}

const MIN = 60_000;
const SOURCE = 'order-agent-7';

/** Collects the engine's optimization statuses and insights (both subjects), in arrival order. */
function collect(e: TestEngine) {
  const statuses: Record<string, unknown>[] = [];
  const insights: Record<string, unknown>[] = [];
  e.nc.subscribe(`${prefix}performance.optimization_status`, { callback: (_e, m) => void statuses.push(m.json()) });
  e.nc.subscribe(`${prefix}performance.insights`, { callback: (_e, m) => void insights.push(m.json()) });
  return { statuses, insights };
}

async function request(e: TestEngine, subject: string, body: unknown): Promise<Record<string, unknown>> {
  return (await e.nc.request(`${prefix}${subject}`, JSON.stringify(body), { timeout: 10_000 })).json();
}

describe('the optimization loop end to end (NATS, PostgreSQL, a replayed stream)', () => {
  it('judges a harmful pool change announced by the optimizing engine as regressed with its undo, across a restart; the announced rollback is judged verified', async () => {
    const T = Math.floor((Date.now() - 3 * 3_600_000) / MIN) * MIN;
    const before = agentStream(SOURCE, T - 16 * MIN, T, [], { seed: 11 });
    const worse = agentStream(SOURCE, T, T + 17 * MIN, [{ at: T, factor: 1.7 }], { seed: 12 });
    const back = agentStream(SOURCE, T + 17 * MIN, T + 36 * MIN, [], { seed: 13 });

    const first = await start();
    const seen = collect(first);
    await replaySnapshots(first.nc, prefix, before);
    const change = { source: SOURCE, action: 'set_agent_config', params: { agent_id: SOURCE, key: 'db_pool_size', value: 1, previous: 8 }, applied_at: new Date(T).toISOString(), expect: [{ metric: 'handler_latency_p95_ms', direction: 'decrease' }] };
    const reply = await request(first, 'optimizing.optimization_applied', change);
    expect(reply).toMatchObject({ ok: true, optimization_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'applied' });
    const id = String(reply.optimization_id);
    expect(await request(first, 'optimizing.optimization_applied', change)).toMatchObject({ ok: true, optimization_id: id });
    expect(await request(first, 'optimizing.optimization_applied', { applied_at: change.applied_at })).toMatchObject({ ok: false, error: { code: 'bad_shape' } });
    expect(await request(first, 'optimizing.optimization_applied', { ...change, note: 'x\u0000' })).toMatchObject({ ok: false, error: { code: 'bad_shape', message: expect.stringMatching(/^message\.note: text must not contain NUL/) } });
    expect(await request(first, 'optimizing.optimization_applied', { optimization_id: '00000000-0000-4000-8000-000000000000', applied_at: change.applied_at })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await replaySnapshots(first.nc, prefix, worse.filter((s) => s.timestamp < T + 4 * MIN));
    await first.engine.optimization!.flushed();
    await first.engine.stop();

    const second = await start();
    // The first engine's test client stays connected: it keeps collecting what the second publishes.
    const later = seen;
    await replaySnapshots(second.nc, prefix, worse.filter((s) => s.timestamp >= T + 4 * MIN));
    await waitFor(() => later.statuses.some((m) => m.optimization_id === id && m.status === 'regressed'), 20_000);
    const regressed = later.statuses.find((m) => m.optimization_id === id && m.status === 'regressed')!;
    expect(regressed).toMatchObject({ bottleneck_id: null, action: 'set_agent_config', source: SOURCE, undo: { action: 'set_agent_config', params: { agent_id: SOURCE, key: 'db_pool_size', value: 8, previous: 1 } }, impact: { metric: 'handler_latency_p95_ms', significant: true, load_controlled: true } });
    expect((regressed.impact as { change_pct: number }).change_pct).toBeGreaterThan(40);
    await waitFor(() => later.insights.some((m) => m.source === SOURCE && (m.recent_verdicts as unknown[]).length > 0), 10_000);
    const digest = later.insights.find((m) => m.source === SOURCE && (m.recent_verdicts as unknown[]).length > 0)!;
    expect(checkInsights(digest), JSON.stringify(checkInsights.errors)).toBe(true);
    expect(digest.recent_verdicts).toEqual([{ optimization_id: id, action: 'set_agent_config', status: 'regressed', impact: expect.objectContaining({ metric: 'handler_latency_p95_ms' }) }]);
    expect(Object.keys(digest.baselines as object)).toEqual(['cpu_usage', 'handler_calls_per_sec', 'handler_latency_p95_ms']);

    expect(await request(second, 'optimizing.optimization_rolled_back', { optimization_id: id, rolled_back_at: new Date(T + 17 * MIN).toISOString() })).toMatchObject({ ok: true, optimization_id: id, status: 'rolled_back' });
    await replaySnapshots(second.nc, prefix, back);
    await waitFor(() => later.statuses.some((m) => m.optimization_id === id && (m.rollback as { status?: string } | undefined)?.status !== undefined), 20_000);
    const all = seen.statuses.filter((m) => m.optimization_id === id);
    for (const m of all) expect(checkStatus(m), JSON.stringify(checkStatus.errors)).toBe(true);
    expect(all.map((m) => m.status)).toEqual(['applied', 'regressed', 'rolled_back', 'rolled_back']);
    expect(all.at(-1)).toMatchObject({ rolled_back_by: 'optimizing_engine', rollback: { status: 'verified', impact: { metric: 'handler_latency_p95_ms' } } });

    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: PG_URL, NATS_URL, ...ENV, PERF_ENGINE_HTTP_PORT: '1' };
    const cli = await runCli(['optimizations', '--json', '--source', SOURCE], env);
    expect(cli.status, cli.stderr).toBe(0);
    const listed = JSON.parse(cli.stdout) as Record<string, unknown>[];
    expect(listed.map((m) => [m.optimization_id, m.status])).toEqual([[id, 'rolled_back']]);
    expect(checkStatus(listed[0])).toBe(true);
    const show = await runCli(['optimizations', 'show', id], env);
    expect(show.stdout).toMatch(/rollback: verified/);
    expect(show.stdout).toMatch(/verdict +regressed/);
    const api = (await (await fetch(`${second.http}/api/v1/optimizations/${id}`)).json()) as { transitions: { event: string }[] };
    expect(api.transitions.map((t) => t.event)).toEqual(['applied', 'verdict', 'rolled_back', 'rollback_verdict']);
  });
});

describe('operator commands (CLI and API)', () => {
  it('apply and rollback through the engine and its applier, marks by hand (also straight into the database when no engine answers), and refusals with their codes', async () => {
    const calls: unknown[] = [];
    const e = await startTestEngine({ ...ENV, PERF_ENGINE_DATABASE_SCHEMA: `${schema}_ops` }, { collectors: [], appliers: [{ actions: ['set_agent_config'], apply: async (s) => void calls.push(s) }] });
    engines.push(e);
    const seen = collect(e);
    const stage = e.engine.optimization!;
    const proposal = (key: string, action = 'set_agent_config', params: Record<string, unknown> = { agent_id: 'a1', key, value: 4, previous: 2 }) => ({
      action: action as 'set_agent_config',
      params,
      source: 'a1',
      bottleneckId: null,
      undo: action === 'set_agent_config' ? { action: 'set_agent_config' as const, params: { ...params, value: params.previous, previous: params.value } } : null,
      rationale: 'test',
      predicted: {},
      expect: action === 'scale_out' || action === 'set_agent_config' ? [{ metric: 'handler_latency_p95_ms', direction: 'decrease' as const }] : [],
      key: `${action}:a1:${key}`,
    });
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: PG_URL, NATS_URL, ...ENV, PERF_ENGINE_DATABASE_SCHEMA: `${schema}_ops`, PERF_ENGINE_HTTP_PORT: new URL(e.http).port };
    // Asynchronous (runCli): the engine answering the CLI runs in this process.
    const run = (extra: Record<string, string>, args: string[]) => runCli(['optimizations', ...args], { ...env, ...extra });
    const cli = (...args: string[]) => run({}, args);

    const p1 = (await stage.propose(proposal('pool'))).optimizationId;
    const applied = await cli('apply', p1);
    expect(applied.stdout, applied.stderr).toBe(`optimization ${p1} applied\n`);
    expect((await cli('rollback', p1)).stdout).toMatch(new RegExp(`^optimization ${p1} rolled_back at `));
    expect(calls).toEqual([{ action: 'set_agent_config', params: { agent_id: 'a1', key: 'pool', value: 4, previous: 2 } }, { action: 'set_agent_config', params: { agent_id: 'a1', key: 'pool', value: 2, previous: 4 } }]);

    const p2 = (await stage.propose(proposal('cache'))).optimizationId;
    const at = new Date(Date.now() - 10 * MIN).toISOString();
    expect((await cli('mark-applied', p2, '--at', at)).stdout).toBe(`optimization ${p2} applied at ${at}\n`);
    const advice = (await stage.propose(proposal('x', 'scale_out', { source: 'a1' }))).optimizationId;
    const post = async (id: string) => {
      const res = await fetch(`${e.http}/api/v1/optimizations/${id}/apply`, { method: 'POST' });
      return [res.status, ((await res.json()) as { error: { code: string; message: string } }).error] as const;
    };
    expect(await post(p2)).toEqual([409, { code: 'conflict', message: `optimization ${p2} is applied` }]);
    expect((await post('00000000-0000-4000-8000-000000000000'))[0]).toBe(404);
    expect(await post(advice)).toEqual([409, { code: 'advice', message: expect.stringMatching(/scale_out is advice/) }]);
    const limit = (await stage.propose({ ...proposal('y', 'set_cpu_limit', { source: 'a1', cgroup: '/sys/fs/cgroup/a1', cpu_cores: 2, previous: 1 }), undo: { action: 'set_cpu_limit', params: { source: 'a1', cgroup: '/sys/fs/cgroup/a1', cpu_cores: 1, previous: 2 } }, expect: [{ metric: 'cpu_usage', direction: 'decrease' }] })).optimizationId;
    // The cgroup applier is installed, and refuses a directory that is not a cgroup.
    expect(await post(limit)).toEqual([502, { code: 'apply_failed', message: expect.stringMatching(/cgroup/) }]);
    expect((await cli('rollback', p2, '--at', '5m')).status).toBe(2);

    // No engine answering on the configured port: the mark goes straight into the table, and the running engine publishes it from there.
    const offline = await run({ PERF_ENGINE_HTTP_PORT: '1' }, ['rollback', p2, '--mark', '--at', '5m']);
    expect(offline.stdout, offline.stderr).toMatch(new RegExp(`^optimization ${p2} rolled_back at `));
    await waitFor(() => seen.statuses.some((m) => m.optimization_id === p2 && m.status === 'rolled_back'), 10_000);
    expect(seen.statuses.find((m) => m.optimization_id === p2 && m.status === 'rolled_back')).toMatchObject({ rolled_back_by: 'operator', applied_by: 'operator', applied_at: at });

    const list = (await (await fetch(`${e.http}/api/v1/optimizations?status=rolled_back`)).json()) as { optimizations: { optimization_id: string }[] };
    expect(list.optimizations.map((m) => m.optimization_id)).toEqual([p2, p1]);
    expect((await cli('--status', 'nope')).status).toBe(2);
  });
});

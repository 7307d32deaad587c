import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../src/config/load.js';
import { Agent } from '../src/agent/agent.js';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { startTestEngine, type TestEngine } from '../test/helpers/engine.js';
import { COMPANION, FuzzDriver, SUBJECT_CODES, readiness, storedSamples, type FuzzSubject } from '../test/helpers/fuzz-runner.js';
import { agentProfileCases, configCases, profileRequestCases, realtimeCases, type FuzzCase } from '../test/helpers/fuzz-subjects.js';
import { NATS_URL, quietLogger, waitFor } from '../test/helpers/services.js';
import { HttpFuzzDriver } from '../test/helpers/fuzz-http-runner.js';
import { httpCases, routesOf, type HttpCase, type HttpRoute, type OpenApiDoc } from '../test/helpers/fuzz-http.js';
import { checkConfigFile, configFileCases } from '../test/helpers/fuzz-config.js';
import { argNumber } from './lib/args.js';

const AGENT_ID = 'fz-bench-agent';

/** Outcome of driving one subject. */
interface Run {
  readonly seconds: number;
  /** Cases whose answer broke the contract (first reason kept). */
  readonly violations: number;
  readonly firstViolation?: string;
}

/** Sends `cases` keeping `window` in flight; a broken property is counted, not thrown, so the run completes. */
async function drive(driver: FuzzDriver, s: FuzzSubject, cases: readonly FuzzCase[], window: number, checkConfig: boolean): Promise<Run> {
  let next = 0;
  let violations = 0;
  let firstViolation: string | undefined;
  const t0 = performance.now();
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      try {
        await driver.one(s, c, { checkConfig });
      } catch (err) {
        violations++;
        firstViolation ??= `${c.kind}: ${(err as Error).message.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return { seconds: (performance.now() - t0) / 1000, violations, ...(firstViolation ? { firstViolation } : {}) };
}

/** The reference: as many valid snapshots, as requests with the same window, on the same engine. */
async function validThroughput(t: TestEngine, count: number, window: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const snap = { source: 'fz-reference', timestamp: Date.now() - 1000, metrics: { seq: n, cpu_usage: 50 } };
      const reply = (await t.nc.request(`${t.prefix}monitoring.realtime_metrics`, JSON.stringify(snap), { timeout: 30_000 })).json<{ ok: boolean }>();
      if (!reply.ok) throw new Error(`valid reference message refused: ${JSON.stringify(reply)}`);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return count / ((performance.now() - t0) / 1000);
}

async function profileRows(t: TestEngine): Promise<number> {
  return (await t.engine.agent.db.query<{ n: number }>('SELECT count(*)::int AS n FROM performance_profiles')).rows[0]!.n;
}

async function runAll(ctx: BenchContext, t: TestEngine, runs: number, window: number, seed: number): Promise<Figure[]> {
  const driver = new FuzzDriver({ nc: t.nc, prefix: t.prefix, db: t.engine.agent.db, http: t.http, configJson: () => JSON.stringify(t.engine.config.current) });
  const plan: [FuzzSubject, fc.Arbitrary<FuzzCase>, number][] = [
    [{ name: 'monitoring.realtime_metrics', codes: SUBJECT_CODES.realtime, timeoutMs: 30_000 }, realtimeCases, window],
    // One at a time: each rejected update is checked to have left the configuration unchanged.
    [{ name: 'config.performance_engine_agent.updated', codes: SUBJECT_CODES.config, timeoutMs: 30_000 }, configCases, 1],
    [{ name: 'orchestrator.profile_request', codes: SUBJECT_CODES.profileRequest, timeoutMs: 30_000 }, profileRequestCases, window],
    [{ name: `agent.${AGENT_ID}.profile`, codes: SUBJECT_CODES.agentProfile, timeoutMs: 30_000 }, agentProfileCases, window],
  ];
  ctx.log(`reference: ${runs} valid snapshots, ${window} in flight`);
  const reference = await validThroughput(t, runs, window);
  const profilesBefore = await profileRows(t);
  const results: { s: FuzzSubject; run: Run }[] = [];
  for (const [s, arbitrary, w] of plan) {
    ctx.log(`${s.name}: ${runs} cases, ${w} in flight, seed ${seed}`);
    results.push({ s, run: await drive(driver, s, fc.sample(arbitrary, { numRuns: runs, seed }), w, w === 1) });
  }
  const db = t.engine.agent.db;
  await waitFor(async () => (await storedSamples(db, COMPANION.source)) >= driver.companions, 120_000, 250);
  const accepted = (name: string) => driver.counts.get(name)?.accepted ?? 0;
  await waitFor(async () => (await profileRows(t)) - profilesBefore >= accepted('orchestrator.profile_request'), 120_000, 250);
  const ready = await readiness(t.http);
  const alive = ready.status === 200 && ready.readerAlive && ready.subscriptionsAlive;
  const companionsStored = await storedSamples(db, COMPANION.source);
  const fuzzSamples = (await storedSamples(db, COMPANION.source, true)) - (await storedSamples(db, 'fz-reference'));
  const profilesStored = (await profileRows(t)) - profilesBefore;
  return results.map(({ s, run }) => {
    const c = driver.counts.get(s.name)!;
    const stored =
      s.name === 'monitoring.realtime_metrics'
        ? `samples stored ${fuzzSamples} (accepted messages said ${c.acceptedSamples})`
        : s.name === 'orchestrator.profile_request'
          ? `profiles stored ${profilesStored} (accepted ${c.accepted})`
          : s.name.startsWith('config') ? 'configuration unchanged after every rejection' : 'no storage (SDK agent)';
    return figure({
      bench: 'property-fuzz',
      name: `${s.name}: adversarial cases per second`,
      value: c.cases / run.seconds,
      unit: 'cases/s',
      reference: { name: 'valid realtime snapshots, same window', value: reference, unit: 'msgs/s' },
      target: 'every case answered within the contract, consumer alive',
      met: run.violations === 0 && c.cases === runs && alive,
      notes:
        `cases ${c.cases}, rejected ${c.rejected}, accepted ${c.accepted}, ${stored}; companions stored ${companionsStored}/${driver.companions}; ` +
        `consumer alive ${alive} (readyz ${ready.status}, handler failures ${ready.failed}); violations ${run.violations}` +
        `${run.firstViolation ? ` (first: ${run.firstViolation})` : ''}; codes ${JSON.stringify(c.byCode)}`,
    });
  });
}


/** Each route in turn, one request at a time (a refused state-changing request is checked to have stored nothing). */
async function runHttp(ctx: BenchContext, t: TestEngine, runs: number, seed: number): Promise<Figure[]> {
  const bus = new FuzzDriver({ nc: t.nc, prefix: t.prefix, db: t.engine.agent.db, http: t.http, configJson: () => '' });
  const driver = new HttpFuzzDriver({ http: t.http, db: t.engine.agent.db, companion: () => bus.companion() });
  const routes = routesOf((await (await fetch(`${t.http}/openapi.json`)).json()) as OpenApiDoc);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) if ((await fetch(`${t.http}/api/v1/sources`)).status !== 200) throw new Error('valid reference request refused');
  const reference = runs / ((performance.now() - t0) / 1000);
  const results: { route: HttpRoute; run: Run }[] = [];
  for (const route of routes) {
    ctx.log(`${route.method} ${route.path}: ${runs} cases, seed ${seed}`);
    const cases = fc.sample(httpCases(route), { numRuns: runs, seed });
    let violations = 0;
    let firstViolation: string | undefined;
    const started = performance.now();
    for (const c of cases as HttpCase[]) {
      try {
        await driver.one(route, c);
      } catch (err) {
        violations++;
        firstViolation ??= `${c.kind}: ${(err as Error).message.slice(0, 300)}`;
      }
    }
    results.push({ route, run: { seconds: (performance.now() - started) / 1000, violations, ...(firstViolation ? { firstViolation } : {}) } });
  }
  await waitFor(async () => (await storedSamples(t.engine.agent.db, COMPANION.source)) >= bus.companions, 120_000, 250);
  const companionsStored = await storedSamples(t.engine.agent.db, COMPANION.source);
  const ready = await readiness(t.http);
  return results.map(({ route, run }) => {
    const c = driver.counts.get(`${route.method} ${route.path}`) ?? { cases: 0, byStatus: {}, byCode: {} };
    return figure({
      bench: 'property-fuzz',
      name: `HTTP ${route.method} ${route.path}: adversarial requests per second`,
      value: c.cases / run.seconds,
      unit: 'requests/s',
      reference: { name: 'valid GET /api/v1/sources, same engine', value: reference, unit: 'requests/s' },
      target: 'no 5xx, error shape with a message, nothing leaked or stored when refused, valid requests answered between',
      met: run.violations === 0 && c.cases === runs && ready.status === 200,
      notes: `cases ${c.cases}, by status ${JSON.stringify(c.byStatus)}, codes ${JSON.stringify(c.byCode)}; snapshots published between requests stored ${companionsStored}/${bus.companions}; violations ${run.violations}${run.firstViolation ? ` (first: ${run.firstViolation})` : ''}`,
    });
  });
}

/** Generated configuration files through the loader; the reference loads a valid file as often. */
function runConfig(ctx: BenchContext, runs: number, seed: number): Figure {
  const valid = join(ctx.tmpDir, 'valid.yaml');
  writeFileSync(valid, 'data_retention_days: 30\nlog_level: info\n');
  let t0 = performance.now();
  for (let i = 0; i < runs; i++) loadConfig({ file: valid, env: {} });
  const reference = runs / ((performance.now() - t0) / 1000);
  ctx.log(`config file: ${runs} cases, seed ${seed}`);
  let accepted = 0;
  let violations = 0;
  let firstViolation: string | undefined;
  t0 = performance.now();
  fc.sample(configFileCases, { numRuns: runs, seed }).forEach((c, i) => {
    try {
      if (checkConfigFile(ctx.tmpDir, c, i).accepted) accepted++;
    } catch (err) {
      violations++;
      firstViolation ??= `${c.kind}: ${(err as Error).message.slice(0, 300)}`;
    }
  });
  return figure({
    bench: 'property-fuzz',
    name: 'config file (JSON and YAML): adversarial files loaded per second',
    value: runs / ((performance.now() - t0) / 1000),
    unit: 'files/s',
    reference: { name: 'a valid two-key YAML file', value: reference, unit: 'files/s' },
    target: "a config holding exactly the file's values, or a ConfigError naming the file's keys; nothing else thrown",
    met: violations === 0,
    notes: `cases ${runs}, accepted ${accepted}, refused ${runs - accepted - violations}; violations ${violations}${firstViolation ? ` (first: ${firstViolation})` : ''}`,
  });
}

const bench: Benchmark = {
  name: 'property-fuzz',
  description:
    'adversarial inputs (fast-check): messages on every inbound subject, requests on every HTTP route (from /openapi.json), configuration files; against an in-process engine and SDK agent on real NATS and PostgreSQL; --runs N per subject, route and for the config file (default PROPERTY_RUNS or 10,000), --only subjects,http,config, --window W in flight for subjects (16), --seed S',
  async run(ctx) {
    const runs = argNumber(ctx.args, '--runs', Number(process.env.PROPERTY_RUNS ?? 10_000));
    const window = argNumber(ctx.args, '--window', 16);
    const seed = argNumber(ctx.args, '--seed', 20_261_206);
    const only = ctx.args.includes('--only') ? ctx.args[ctx.args.indexOf('--only') + 1]!.split(',') : ['subjects', 'http', 'config'];
    const figures: Figure[] = [];
    if (only.includes('config')) figures.push(runConfig(ctx, runs, seed));
    if (!only.includes('subjects') && !only.includes('http')) return figures;
    // Profiles of at most 1 s, so that an accepted HTTP profile request ends quickly.
    const t = await startTestEngine({ PERF_ENGINE_PROFILING_MAX_DURATION_SECONDS: '1' }, { collectors: [] });
    const agent = new Agent({ agentId: AGENT_ID, bus: { url: NATS_URL, name: AGENT_ID }, subjectPrefix: t.prefix, instrumentation: false, log: quietLogger() });
    try {
      await agent.start();
      if (only.includes('subjects')) figures.push(...(await runAll(ctx, t, runs, window, seed)));
      if (only.includes('http')) figures.push(...(await runHttp(ctx, t, runs, seed)));
      return figures;
    } finally {
      await agent.stop();
      await t.stop();
    }
  },
};

export default bench;

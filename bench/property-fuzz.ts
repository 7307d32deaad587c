import fc from 'fast-check';
import { Agent } from '../src/agent/agent.js';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { startTestEngine, type TestEngine } from '../test/helpers/engine.js';
import { COMPANION, FuzzDriver, SUBJECT_CODES, readiness, storedSamples, type FuzzSubject } from '../test/helpers/fuzz-runner.js';
import { agentProfileCases, configCases, profileRequestCases, realtimeCases, type FuzzCase } from '../test/helpers/fuzz-subjects.js';
import { NATS_URL, quietLogger, waitFor } from '../test/helpers/services.js';

const AGENT_ID = 'fz-bench-agent';

function argNumber(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

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

const bench: Benchmark = {
  name: 'property-fuzz',
  description:
    'adversarial messages (fast-check) on every inbound subject against an in-process engine and SDK agent on real NATS and PostgreSQL; --runs N per subject (default PROPERTY_RUNS or 10,000), --window W in flight (16), --seed S',
  async run(ctx) {
    const runs = argNumber(ctx.args, '--runs', Number(process.env.PROPERTY_RUNS ?? 10_000));
    const window = argNumber(ctx.args, '--window', 16);
    const seed = argNumber(ctx.args, '--seed', 20_261_206);
    const t = await startTestEngine({}, { collectors: [] });
    const agent = new Agent({ agentId: AGENT_ID, bus: { url: NATS_URL, name: AGENT_ID }, subjectPrefix: t.prefix, instrumentation: false, log: quietLogger() });
    try {
      await agent.start();
      return await runAll(ctx, t, runs, window, seed);
    } finally {
      await agent.stop();
      await t.stop();
    }
  },
};

export default bench;

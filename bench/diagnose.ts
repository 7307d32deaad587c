import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { accuracy, byLabel, scoreRun, type EpisodeScore, type RunScore, type SeenBottleneck, type TruthEpisode } from './lib/diagnosis-scoring.js';
import { replay, settle, startBenchEngine } from './lib/diagnosis-runs.js';
import { naiveDiagnosis } from './lib/naive-diagnosis.js';
import { diagnosePure } from './lib/pure-diagnosis.js';
import { loadConfig } from '../src/config/load.js';
import { DIAGNOSIS_DEFAULTS } from '../src/config/diagnosis-schema.js';
import { parseScenarioSpec, type ScenarioSpec } from '../src/tools/simulate/scenario-spec.js';
import { SCENARIO_NAMES } from '../src/tools/simulate/scenario-catalog.js';
import { runSimulation } from '../src/tools/simulate/simulation.js';
import { syntheticStream, type SyntheticOptions } from '../src/tools/simulate/synthetic/synthetic-stream.js';
import { BENCH_NATS_URL, BENCH_PG_URL, uniqueName } from './lib/services.js';

interface Args {
  mode: 'all' | 'synthetic' | 'simulator' | 'pure';
  runs: number;
  quietMinutes: number;
  intervalS: number;
  scenarioS: number;
  gapS: number;
  seeds: number;
  /** Added to every synthetic stream's seed: streams no tuning has seen (`--seed-offset 5000`). */
  seedOffset: number;
  days: number;
  /** Folder where each simulator run's recorded stream and truth are written (JSON lines), or null. */
  record: string | null;
}

function parseArgs(args: readonly string[]): Args {
  const a: Args = { mode: 'all', runs: 2, quietMinutes: 30, intervalS: 2, scenarioS: 60, gapS: 60, seeds: 3, seedOffset: 0, days: 2, record: null };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]!];
    if (flag === '--mode' && ['all', 'synthetic', 'simulator', 'pure'].includes(value)) a.mode = value as Args['mode'];
    else if (flag === '--runs') a.runs = Number(value);
    else if (flag === '--quiet-minutes') a.quietMinutes = Number(value);
    else if (flag === '--interval') a.intervalS = Number(value);
    else if (flag === '--scenario-seconds') a.scenarioS = Number(value);
    else if (flag === '--gap-seconds') a.gapS = Number(value);
    else if (flag === '--seeds') a.seeds = Number(value);
    else if (flag === '--seed-offset') {
      if (!/^\d{1,9}$/.test(value ?? '')) throw new Error(`diagnose: --seed-offset takes a whole number, not ${JSON.stringify(value)}`);
      a.seedOffset = Number(value);
    }
    else if (flag === '--days') a.days = Number(value);
    else if (flag === '--record') a.record = value;
    else throw new Error(`diagnose: unknown argument ${flag} (--mode all|synthetic|simulator|pure, --runs, --quiet-minutes, --interval, --scenario-seconds, --gap-seconds, --seeds, --seed-offset N, --days, --record DIR)`);
  }
  return a;
}

const HOLD_MS = DIAGNOSIS_DEFAULTS.diagnose_hold_seconds * 1000;
const CLEAR_MS = DIAGNOSIS_DEFAULTS.diagnose_clear_seconds * 1000;
const holdFor = (intervalMs: number) => Math.max(HOLD_MS, DIAGNOSIS_DEFAULTS.diagnose_hold_samples * intervalMs);
const target = (intervalMs: number) => 2 * intervalMs + holdFor(intervalMs);
const pct = (x: number) => Math.round(1000 * x) / 10;

/** Where a false positive stands against the nearest episode of its source, for reading it. */
function nearestEpisode(s: RunScore, b: SeenBottleneck): string {
  const own = s.episodes.map((e) => e.truth).filter((t) => t.source === b.source);
  const gap = (t: TruthEpisode): number => (b.detectedAt < t.start ? t.start - b.detectedAt : Math.max(0, b.detectedAt - t.end));
  const near = own.sort((x, y) => gap(x) - gap(y))[0];
  if (near === undefined) return '; no episode on that source';
  const when = b.detectedAt < near.start ? 'before' : 'after the end of';
  return `; started ${new Date(b.startedAt).toISOString()}; ${Math.round(gap(near) / 1000)} s ${when} ${near.label ?? near.kind} (${new Date(near.start).toISOString()} to ${new Date(near.end).toISOString()})`;
}

function printEpisodes(ctx: BenchContext, title: string, s: RunScore): void {
  ctx.log(title);
  for (const e of s.episodes) {
    const got = e.found ? `${e.found.kind} after ${Math.round(e.latencyMs / 1000)} s` : 'nothing';
    ctx.log(`  ${e.rightKind ? (e.inTime ? 'ok  ' : 'late') : 'MISS'} ${(e.truth.label ?? e.truth.kind).padEnd(20)} on ${e.truth.source}: ${got}`);
  }
  for (const b of s.falsePositives) ctx.log(`  FP   ${b.kind} on ${b.source} at ${new Date(b.detectedAt).toISOString()}${nearestEpisode(s, b)}`);
  for (const b of s.extras) ctx.log(`  extra ${b.kind} on ${b.source} at ${new Date(b.detectedAt).toISOString()}`);
}

/** Synthetic variants: the defaults over several seeds, then one change at a time. */
function variants(a: Args): { name: string; seed: number; opts: Partial<SyntheticOptions> }[] {
  const base = Array.from({ length: a.seeds }, (_, i) => ({ name: 'defaults', seed: i + 1, opts: {} }));
  return withOffset(a, [
    ...base,
    { name: 'noise x2', seed: 11, opts: { noise: 2 } },
    { name: 'seasonality 0.8', seed: 12, opts: { seasonality: 0.8 } },
    { name: 'load steps 8/day', seed: 13, opts: { loadStepsPerDay: 8 } },
    { name: 'injection x0.6', seed: 14, opts: { injectionSize: 0.6 } },
    { name: 'injection x1.6', seed: 15, opts: { injectionSize: 1.6 } },
    { name: 'interval 10 s', seed: 16, opts: { intervalMs: 10_000 } },
    { name: '8 agents, 3 hosts', seed: 17, opts: { agents: 8, hosts: 3 } },
  ]);
}

/** The variants with `--seed-offset` added to their seeds. */
function withOffset<V extends { seed: number }>(a: Args, list: V[]): V[] {
  return list.map((v) => ({ ...v, seed: v.seed + a.seedOffset }));
}

async function synthetic(ctx: BenchContext, a: Args): Promise<Figure[]> {
  const all: EpisodeScore[] = [];
  const naiveAll: EpisodeScore[] = [];
  const perVariant = new Map<string, EpisodeScore[]>();
  let fps = 0;
  let naiveFps = 0;
  let hours = 0;
  let micros = 0;
  let detectMicros = 0;
  let runs = 0;
  for (const v of variants(a)) {
    const durationMs = a.days * 86_400_000;
    const stream = syntheticStream({ seed: v.seed, start: Date.now() - durationMs - 86_400_000, durationMs, ...v.opts });
    const intervalMs = v.opts.intervalMs ?? 15_000;
    const snapshots = [...stream.snapshots()];
    const truth: TruthEpisode[] = stream.truth.map((e) => ({ kind: e.kind, source: e.source, start: e.start, end: e.end }));
    const e = await startBenchEngine({ PERF_ENGINE_DIAGNOSE_STALE_SECONDS: '86400' }, { collectors: [] });
    const t0 = performance.now();
    try {
      await replay(e, snapshots);
      await settle(e);
    } finally {
      const st = (await e.engine.status()) as { diagnosis: { microsPerSnapshot: number }; detection: { microsPerSample: number; samples: number } };
      micros += st.diagnosis.microsPerSnapshot;
      detectMicros += (st.detection.microsPerSample * st.detection.samples) / snapshots.length;
      runs++;
      await e.stop();
    }
    const s = scoreRun(truth, e.detected, target(intervalMs), CLEAR_MS + 60_000);
    const n = scoreRun(truth, naiveDiagnosis(snapshots, holdFor(intervalMs), DIAGNOSIS_DEFAULTS.diagnose_hold_samples, CLEAR_MS), target(intervalMs), CLEAR_MS + 60_000);
    printEpisodes(ctx, `synthetic ${v.name}, seed ${v.seed}: ${snapshots.length} snapshots replayed in ${Math.round(performance.now() - t0)} ms; right ${pct(accuracy(s.episodes))}% (naive ${pct(accuracy(n.episodes))}%), ${s.falsePositives.length} FP`, s);
    all.push(...s.episodes);
    naiveAll.push(...n.episodes);
    perVariant.set(v.name, [...(perVariant.get(v.name) ?? []), ...s.episodes]);
    fps += s.falsePositives.length + s.extras.length;
    naiveFps += n.falsePositives.length + n.extras.length;
    hours += durationMs / 3_600_000;
  }
  const spread = [...perVariant.entries()].map(([name, list]) => `${name} ${pct(accuracy(list))}%`);
  const kinds = byLabel(all).map((r) => `${r.label} ${r.right}/${r.episodes} (in time ${r.inTime}, median ${Math.round(r.medianLatencyS)} s)`);
  const accs = [...perVariant.values()].map((l) => accuracy(l));
  return [
    figure({ bench: 'diagnose', name: 'synthetic streams: right kind on the right source', value: pct(accuracy(all)), unit: '%', reference: { name: 'naive top-metric attribution, same streams', value: pct(accuracy(naiveAll)), unit: '%' }, target: '>= 95%', met: accuracy(all) >= 0.95, notes: `${all.length} episodes; per kind: ${kinds.join('; ')}` }),
    figure({ bench: 'diagnose', name: 'synthetic streams: right and within 2 intervals + hold', value: pct(accuracy(all, true)), unit: '%', reference: { name: 'naive top-metric attribution', value: pct(accuracy(naiveAll, true)), unit: '%' }, target: '>= 95%', met: accuracy(all, true) >= 0.95 }),
    figure({ bench: 'diagnose', name: 'synthetic streams: false positives per hour of stream', value: fps / hours, unit: '/h', reference: { name: 'naive top-metric attribution', value: naiveFps / hours, unit: '/h' }, target: '0', met: fps === 0, notes: `${fps} in ${hours} h of stream time` }),
    figure({ bench: 'diagnose', name: 'synthetic streams: accuracy spread over variants (min)', value: pct(Math.min(...accs)), unit: '%', target: '>= 95%', met: Math.min(...accs) >= 0.95, notes: spread.join('; ') }),
    figure({ bench: 'diagnose', name: 'diagnosis CPU per snapshot (all sources, event loop)', value: micros / runs, unit: 'µs', reference: { name: 'streaming detection per snapshot, same runs', value: detectMicros / runs, unit: 'µs' }, notes: 'heavy analysis runs only on watched sources' }),
  ];
}

/** Streams of nine agents on three hosts every 15 s, over seeds the tuning never used. */
function pureVariants(a: Args): { name: string; seed: number; opts: Partial<SyntheticOptions> }[] {
  const nine = { agents: 9, hosts: 3 };
  return [
    ...variants(a),
    ...withOffset(a, [
      ...Array.from({ length: a.seeds * 3 }, (_, i) => ({ name: '9 agents, 15 s', seed: 101 + i, opts: nine })),
      { name: '9 agents, noise x1.5', seed: 201, opts: { ...nine, noise: 1.5 } },
      { name: '9 agents, 6 load steps/day', seed: 202, opts: { ...nine, loadStepsPerDay: 6 } },
      { name: '9 agents, injection x0.8', seed: 203, opts: { ...nine, injectionSize: 0.8 } },
    ]),
  ];
}

/**
 * The synthetic variants (and streams of nine agents) through the engine's pure detection and
 * diagnosis cores, without the bus or a database: fast, so many seeds fit, and a check that the
 * same stream fed one snapshot at a time and in slices of 500 gives the same bottlenecks.
 */
async function pure(ctx: BenchContext, a: Args): Promise<Figure[]> {
  const { config } = loadConfig({ env: { PERF_ENGINE_DIAGNOSE_STALE_SECONDS: '86400' } });
  const all: EpisodeScore[] = [];
  const naiveAll: EpisodeScore[] = [];
  const perVariant = new Map<string, EpisodeScore[]>();
  let fps = 0;
  let hours = 0;
  let differing = 0;
  for (const v of pureVariants(a)) {
    const durationMs = a.days * 86_400_000;
    const stream = syntheticStream({ seed: v.seed, start: Date.UTC(2026, 0, 1), durationMs, ...v.opts });
    const intervalMs = v.opts.intervalMs ?? 15_000;
    const snapshots = [...stream.snapshots()];
    const truth: TruthEpisode[] = stream.truth.map((e) => ({ kind: e.kind, source: e.source, start: e.start, end: e.end }));
    const t0 = performance.now();
    const seen = diagnosePure(config, snapshots, 1);
    const ms = performance.now() - t0;
    if (JSON.stringify(diagnosePure(config, snapshots, 500)) !== JSON.stringify(seen)) differing++;
    const s = scoreRun(truth, seen, target(intervalMs), CLEAR_MS + 60_000);
    const n = scoreRun(truth, naiveDiagnosis(snapshots, holdFor(intervalMs), DIAGNOSIS_DEFAULTS.diagnose_hold_samples, CLEAR_MS), target(intervalMs), CLEAR_MS + 60_000);
    printEpisodes(ctx, `pure ${v.name}, seed ${v.seed}: ${snapshots.length} snapshots in ${Math.round(ms)} ms; right ${pct(accuracy(s.episodes))}%, in time ${pct(accuracy(s.episodes, true))}%, ${s.falsePositives.length + s.extras.length} FP`, s);
    all.push(...s.episodes);
    naiveAll.push(...n.episodes);
    perVariant.set(v.name, [...(perVariant.get(v.name) ?? []), ...s.episodes]);
    fps += s.falsePositives.length + s.extras.length;
    hours += durationMs / 3_600_000;
  }
  const kinds = byLabel(all).map((r) => `${r.label} ${r.right}/${r.episodes} (in time ${r.inTime}, median ${Math.round(r.medianLatencyS)} s)`);
  const spread = [...perVariant.entries()].map(([name, list]) => `${name} ${pct(accuracy(list))}% (in time ${pct(accuracy(list, true))}%)`);
  return [
    figure({ bench: 'diagnose', name: 'pure cores: right kind on the right source', value: pct(accuracy(all)), unit: '%', reference: { name: 'naive top-metric attribution, same streams', value: pct(accuracy(naiveAll)), unit: '%' }, target: '>= 95%', met: accuracy(all) >= 0.95, notes: `${all.length} episodes; per kind: ${kinds.join('; ')}` }),
    figure({ bench: 'diagnose', name: 'pure cores: right and within 2 intervals + hold', value: pct(accuracy(all, true)), unit: '%', reference: { name: 'naive top-metric attribution', value: pct(accuracy(naiveAll, true)), unit: '%' }, target: '>= 90%', met: accuracy(all, true) >= 0.9, notes: spread.join('; ') }),
    figure({ bench: 'diagnose', name: 'pure cores: false positives per hour of stream', value: fps / hours, unit: '/h', target: '0', met: fps === 0, notes: `${fps} in ${hours} h of stream time` }),
    figure({ bench: 'diagnose', name: 'pure cores: streams whose bottlenecks differ between one-at-a-time and slices of 500', value: differing, unit: 'streams', target: '0', met: differing === 0 }),
  ];
}

/** The scenarios of one simulator run: each in turn, on agents in turn, after a warm-up. */
function schedule(a: Args, agents: number): { specs: ScenarioSpec[]; durationS: number } {
  const warm = 120;
  const specs = SCENARIO_NAMES.map((name, i) => parseScenarioSpec(`${name}@${warm + i * (a.scenarioS + a.gapS)}+${a.scenarioS}:${i % agents}`));
  return { specs, durationS: warm + SCENARIO_NAMES.length * (a.scenarioS + a.gapS) };
}

async function simulate(ctx: BenchContext, a: Args, specs: readonly ScenarioSpec[], durationS: number, agents: number, name: string) {
  const intervalMs = a.intervalS * 1000;
  const e = await startBenchEngine({ PERF_ENGINE_MONITORING_INTERVAL_SECONDS: String(Math.max(1, Math.round(a.intervalS))) }, {}, true);
  try {
    const { config } = loadConfig({ env: { NATS_URL: BENCH_NATS_URL, DATABASE_URL: BENCH_PG_URL, PERF_ENGINE_NATS_SUBJECT_PREFIX: e.prefix, PERF_ENGINE_LOG_LEVEL: 'warn' } });
    const result = await runSimulation(
      { agents, durationS, rate: 150, scenarios: specs, truthFile: null, agentPrefix: uniqueName('sim').replace(/_/g, '-'), metricsIntervalMs: intervalMs, orders: 400_000, agentLogs: false },
      { config, log: (line) => (line.startsWith('t=') ? undefined : ctx.log(`simulate: ${line}`)), stop: new AbortController().signal, force: new AbortController().signal },
    );
    await settle(e);
    const truth: TruthEpisode[] = result.truth.episodes.map((x) => ({ kind: x.kind, source: x.agent, start: Date.parse(x.start), end: Date.parse(x.end), label: x.scenario }));
    const recorded = [...e.recorded].sort((p, q) => p.timestamp - q.timestamp);
    if (a.record) {
      mkdirSync(a.record, { recursive: true });
      writeFileSync(join(a.record, `${name}.jsonl`), recorded.map((x) => JSON.stringify(x)).join('\n') + '\n');
      writeFileSync(join(a.record, `${name}.truth.json`), `${JSON.stringify(result.truth, null, 2)}\n`);
      ctx.log(`recorded ${recorded.length} snapshots in ${join(a.record, `${name}.jsonl`)}`);
    }
    return { truth, agentIds: result.agentIds, seen: [...e.detected] as SeenBottleneck[], naive: naiveDiagnosis(recorded, holdFor(intervalMs), DIAGNOSIS_DEFAULTS.diagnose_hold_samples, CLEAR_MS) };
  } finally {
    await e.stop();
  }
}

async function simulator(ctx: BenchContext, a: Args): Promise<Figure[]> {
  const intervalMs = a.intervalS * 1000;
  const agents = 3;
  const all: EpisodeScore[] = [];
  const naiveAll: EpisodeScore[] = [];
  let fps = 0;
  let machine = 0;
  for (let run = 1; run <= a.runs; run++) {
    const { specs, durationS } = schedule(a, agents);
    ctx.log(`simulator run ${run}/${a.runs}: ${SCENARIO_NAMES.length} scenarios of ${a.scenarioS} s, metrics every ${a.intervalS} s, ${durationS} s`);
    const r = await simulate(ctx, a, specs, durationS, agents, `run-${run}`);
    const s = scoreRun(r.truth, r.seen, target(intervalMs), CLEAR_MS + 30_000);
    printEpisodes(ctx, `simulator run ${run}: right ${pct(accuracy(s.episodes))}%`, s);
    all.push(...s.episodes);
    naiveAll.push(...scoreRun(r.truth, r.naive, target(intervalMs), CLEAR_MS + 30_000).episodes);
    // The host and the processes the engine watches belong to the machine, not to the simulation:
    // their bottlenecks are counted apart (other work on the machine saturates it for real).
    const onAgents = [...s.falsePositives, ...s.extras].filter((b) => r.agentIds.includes(b.source)).length;
    fps += onAgents;
    machine += s.falsePositives.length + s.extras.length - onAgents;
  }
  const figures: Figure[] = [];
  if (a.runs > 0) {
    figures.push(
      figure({ bench: 'diagnose', name: 'simulator: right kind on the right agent', value: pct(accuracy(all)), unit: '%', reference: { name: 'naive top-metric attribution, same recorded streams', value: pct(accuracy(naiveAll)), unit: '%' }, target: '>= 95%', met: accuracy(all) >= 0.95, notes: `${all.length} episodes over ${a.runs} runs` }),
      figure({ bench: 'diagnose', name: `simulator: right and within 2 intervals + hold (${target(intervalMs) / 1000} s)`, value: pct(accuracy(all, true)), unit: '%', reference: { name: 'naive top-metric attribution', value: pct(accuracy(naiveAll, true)), unit: '%' }, target: '>= 95%', met: accuracy(all, true) >= 0.95 }),
      figure({ bench: 'diagnose', name: 'simulator: bottlenecks on agents outside their scenarios (scenario runs)', value: fps, unit: 'bottlenecks', target: '0', met: fps === 0, notes: `and ${machine} on the machine itself (host or watched processes), listed above` }),
    );
    for (const row of byLabel(all)) {
      figures.push(figure({ bench: 'diagnose', name: `simulator ${row.label}`, value: pct(row.right / row.episodes), unit: '%', target: '>= 95%', met: row.right / row.episodes >= 0.95, notes: `${row.right}/${row.episodes} right, ${row.inTime} in time, median ${Math.round(row.medianLatencyS)} s after onset` }));
    }
  }
  if (a.quietMinutes > 0) {
    ctx.log(`simulator scenario-free run: ${a.quietMinutes} min`);
    const q = await simulate(ctx, a, [], a.quietMinutes * 60, agents, 'quiet');
    for (const b of q.seen) ctx.log(`  FP   ${b.kind} on ${b.source} at ${new Date(b.detectedAt).toISOString()}`);
    const onAgents = q.seen.filter((b) => q.agentIds.includes(b.source)).length;
    figures.push(
      figure({ bench: 'diagnose', name: `simulator: bottlenecks in a scenario-free run of ${a.quietMinutes} min`, value: q.seen.length, unit: 'bottlenecks', reference: { name: 'naive top-metric attribution, same stream', value: q.naive.length, unit: 'bottlenecks' }, target: '0', met: q.seen.length === 0 }),
      figure({ bench: 'diagnose', name: 'simulator: false positives per hour, scenario-free', value: q.seen.length / (a.quietMinutes / 60), unit: '/h', target: '0', met: q.seen.length === 0, notes: `${agents} agents and the engine's own host and process collectors; ${onAgents} on agents, ${q.seen.length - onAgents} on the machine itself` }),
    );
  }
  return figures;
}

const bench: Benchmark = {
  name: 'diagnose',
  description: 'bottleneck diagnosis against the simulator\'s ground truth and synthetic platform streams replayed over NATS, or (--mode pure) through the pure cores alone (args: --mode, --runs, --quiet-minutes, --interval, --scenario-seconds, --gap-seconds, --seeds, --seed-offset, --days, --record DIR)',
  async run(ctx) {
    const a = parseArgs(ctx.args);
    const figures: Figure[] = [];
    if (a.mode === 'pure') return pure(ctx, a);
    if (a.mode !== 'simulator') figures.push(...(await synthetic(ctx, a)));
    if (a.mode !== 'synthetic') figures.push(...(await simulator(ctx, a)));
    return figures;
  },
};

export default bench;

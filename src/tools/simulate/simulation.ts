import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from './null-logger.js';
import type { Bus } from '../../bus/bus.js';
import { DEFAULT_NATS_URL, openBus } from '../../bus/open-bus.js';
import { PrefixedBus } from '../../bus/prefixed-bus.js';
import type { Config } from '../../config/schema.js';
import { AgentProcess } from './agent-process.js';
import { EpisodeScheduler } from './episode-scheduler.js';
import { LoadGenerator, type LoadStats } from './load-generator.js';
import { SCENARIOS } from './scenario-catalog.js';
import { planEpisodes, type PlannedEpisode, type ScenarioSpec } from './scenario-spec.js';
import { createSimDatabase, type SimDatabase } from './sim-database.js';
import type { SimAgentConfig } from './sim-protocol.js';
import { buildTruth, type Truth } from './truth.js';
import { natsAuth } from '../../bus/nats-settings.js';

/**
 * Seconds between the simulated agents' snapshots unless asked otherwise. Diagnosis opens a
 * bottleneck after max(hold, hold samples x interval) of snapshots showing it (30 s and 4 by
 * default), and a signature needs 10 snapshots of normal references first (a leak 40): at 2 s a
 * scenario is found 30-32 s after its onset and may start 20 s into the run, where the engine's
 * 15 s would take 60-75 s and 150 s, longer than the scenarios themselves (docs/simulator.md).
 */
export const DEFAULT_METRICS_INTERVAL_S = 2;

/** What `perf-engine simulate` was asked for. */
export interface SimulationOptions {
  readonly agents: number;
  readonly durationS: number;
  /** Requests per second in total. */
  readonly rate: number;
  readonly scenarios: readonly ScenarioSpec[];
  readonly truthFile: string | null;
  /** Agent ids are `<prefix>-<index>`. */
  readonly agentPrefix: string;
  readonly metricsIntervalMs: number;
  /** Rows of the orders table. */
  readonly orders: number;
  /** Pass every log line of the agents through, not only warnings and errors. */
  readonly agentLogs: boolean;
  /** Starting tunables and the connection hold per order of every agent (SimAgentConfig); defaults there. */
  readonly agentTuning?: Pick<SimAgentConfig, 'dbPoolSize' | 'concurrency' | 'dbHoldMs'>;
}

/** What a run did. */
export interface SimulationResult {
  readonly agentIds: readonly string[];
  readonly pids: readonly number[];
  readonly truth: Truth;
  readonly load: LoadStats;
  /** Scenarios left out, with the reason. */
  readonly skipped: readonly string[];
  /** Stopped by a signal before the duration was over. */
  readonly interrupted: boolean;
}

/** A simulation that cannot run here; the message says why and what to do. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}

/** How the run is driven from outside. */
export interface SimulationControl {
  readonly config: Config;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
  /** Aborts on the first Ctrl-C: the run stops cleanly. */
  readonly stop: AbortSignal;
  /** Aborts on a second Ctrl-C: agents are killed at once. */
  readonly force: AbortSignal;
}

const READY_TIMEOUT_MS = 30_000;
const AGENT_STOP_GRACE_MS = 4000;
const PROGRESS_EVERY_MS = 10_000;
const TMPFS_MAGIC = 0x01021994;

async function connectBus(c: Config, stop: AbortSignal): Promise<{ bus: Bus; url: string }> {
  const url = c.nats_url ?? DEFAULT_NATS_URL;
  const signal = AbortSignal.any([stop, AbortSignal.timeout(10_000)]);
  try {
    const bus = await openBus({
      url,
      name: 'perf-engine-simulate',
      ...natsAuth(c),
      log: nullLogger(),
      signal,
    });
    return { bus: c.nats_subject_prefix ? new PrefixedBus(bus, c.nats_subject_prefix) : bus, url };
  } catch {
    throw new SimulationError(
      `no NATS server answers at ${url}${c.nats_url ? '' : ' (NATS_URL is not set)'}: the simulated agents are separate processes and need NATS to talk to the load generator and the engine; ${c.nats_url ? 'check NATS_URL and that the server runs' : 'start nats-server or set NATS_URL'}`,
    );
  }
}

/** What a run holds while it lasts: everything the tear-down releases. */
interface Run {
  readonly bus: Bus;
  readonly natsUrl: string;
  readonly agentIds: readonly string[];
  /** Filled as the agents are spawned (the scheduler and the tear-down read the same array). */
  readonly agents: AgentProcess[];
  readonly load: LoadGenerator;
  readonly scheduler: EpisodeScheduler;
  db: SimDatabase | null;
  workDir: string | null;
  progress: NodeJS.Timeout | null;
}

/**
 * Runs a simulated platform: N agent processes on the SDK serving orders over NATS at the given
 * rate, scenarios switched on and off on schedule, and everything it created removed at the end
 * (agents stopped, schema dropped, files deleted), on time-out, Ctrl-C or failure alike.
 */
export async function runSimulation(opts: SimulationOptions, ctl: SimulationControl): Promise<SimulationResult> {
  const agentIds = Array.from({ length: opts.agents }, (_, i) => `${opts.agentPrefix}-${i}`);
  const { plans, skipped } = planRun(opts, ctl, agentIds);
  const { bus, url: natsUrl } = await connectBus(ctl.config, ctl.stop);
  const agents: AgentProcess[] = [];
  const run: Run = { bus, natsUrl, agentIds, agents, load: new LoadGenerator(bus, agentIds, opts.rate), scheduler: new EpisodeScheduler(plans, agents, ctl.log), db: null, workDir: null, progress: null };
  let interrupted = false;
  let runEnd = Date.now();
  try {
    await prepare(run, opts, ctl, plans);
    spawnAgents(run, opts, ctl);
    interrupted = await drive(run, opts, ctl);
  } finally {
    runEnd = await tearDown(run, ctl);
  }
  const truth = buildTruth(run.scheduler.observed(runEnd));
  if (opts.truthFile) writeFileSync(opts.truthFile, `${JSON.stringify(truth, null, 2)}\n`);
  return { agentIds, pids: agents.map((a) => a.pid ?? 0), truth, load: run.load.stats(), skipped, interrupted };
}

/** The episodes to run; without PostgreSQL, those of scenarios that need it are left out, with the reason. */
function planRun(opts: SimulationOptions, ctl: SimulationControl, agentIds: readonly string[]): { plans: PlannedEpisode[]; skipped: string[] } {
  const plans = planEpisodes(opts.scenarios, agentIds, opts.durationS);
  if (ctl.config.database_url) return { plans, skipped: [] };
  const skipped = plans
    .filter((e) => SCENARIOS[e.scenario].needsDb)
    .map((p) => `${p.scenario} on ${agentIds[p.agentIndex]}: needs PostgreSQL, and DATABASE_URL is not set (embedded mode: the engine's PGlite store is private to its process)`);
  ctl.log('no PostgreSQL (DATABASE_URL is not set): agents run without database queries');
  for (const s of skipped) ctl.log(`skipped ${s}`);
  return { plans: plans.filter((e) => !SCENARIOS[e.scenario].needsDb), skipped };
}

/** Creates the database schema (with PostgreSQL) and the work folder, recording each in `run` for the tear-down. */
async function prepare(run: Run, opts: SimulationOptions, ctl: SimulationControl, plans: readonly PlannedEpisode[]): Promise<void> {
  const url = ctl.config.database_url;
  if (url) {
    const t0 = performance.now();
    run.db = await createSimDatabase(url, opts.orders).catch((err: unknown) => {
      throw new SimulationError(`cannot prepare the simulation's tables on PostgreSQL: ${(err as Error).message}`);
    });
    ctl.log(`created schema ${run.db.schema} with ${opts.orders.toLocaleString('en-US')} orders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  run.workDir = mkdtempSync(join(tmpdir(), 'perf-sim-'));
  ctl.log(`work folder ${run.workDir}`);
  if (plans.some((p) => p.scenario === 'disk_io') && statfsSync(run.workDir).type === TMPFS_MAGIC) {
    ctl.log(`warning: ${run.workDir} is on tmpfs, so disk_io writes reach memory, not a disk (set TMPDIR to a folder on disk)`);
  }
}

/** Spawns one agent process per id, each with a folder of its own; a second Ctrl-C kills them all at once. */
function spawnAgents(run: Run, opts: SimulationOptions, ctl: SimulationControl): void {
  const c = ctl.config;
  for (const [index, agentId] of run.agentIds.entries()) {
    const dir = join(run.workDir!, agentId);
    mkdirSync(dir);
    const config: SimAgentConfig = {
      agentId,
      index,
      bus: { url: run.natsUrl, name: agentId, ...natsAuth(c) },
      subjectPrefix: c.nats_subject_prefix,
      database: run.db ? { url: run.db.url, schema: run.db.schema, orders: run.db.orders } : null,
      workDir: dir,
      metricsIntervalMs: opts.metricsIntervalMs,
      ratePerAgent: opts.rate / opts.agents,
      logLevel: c.log_level,
      ...opts.agentTuning,
    };
    run.agents.push(new AgentProcess(config, (id, line) => ctl.log(`[${id}] ${line}`), opts.agentLogs));
  }
  ctl.force.addEventListener('abort', () => run.agents.forEach((a) => a.kill()), { once: true });
}

/**
 * Waits until every agent is ready, then runs the load and the scenario schedule for the duration;
 * true when Ctrl-C stopped it first. An agent that dies meanwhile fails the run.
 */
async function drive(run: Run, opts: SimulationOptions, ctl: SimulationControl): Promise<boolean> {
  const stopped = new Promise<string>((resolve) => {
    if (ctl.stop.aborted) resolve('interrupted');
    else ctl.stop.addEventListener('abort', () => resolve('interrupted'), { once: true });
  });
  const ready = Promise.all(run.agents.map((a) => a.ready(READY_TIMEOUT_MS))).then(() => 'ready');
  if ((await Promise.race([ready, stopped])) === 'ready') {
    ctl.log(`agents ready: ${run.agents.map((a) => `${a.config.agentId} (pid ${a.pid})`).join(', ')}`);
    const start = Date.now();
    run.load.start();
    run.scheduler.start(opts.durationS);
    run.progress = setInterval(() => {
      const s = run.load.stats();
      ctl.log(`t=${Math.round((Date.now() - start) / 1000)}s sent=${s.sent} ok=${s.ok} unanswered=${s.unanswered} p95=${s.p95Ms}ms`);
    }, PROGRESS_EVERY_MS);
  }
  const died = Promise.race(run.agents.map((a) => a.exited.then((code) => `${a.config.agentId} exited with code ${code}`)));
  const outcome = await Promise.race([new Promise<string>((resolve) => setTimeout(() => resolve('done'), opts.durationS * 1000).unref()), stopped, died]);
  if (outcome === 'interrupted') {
    ctl.log('stopping (Ctrl-C)');
    return true;
  }
  if (outcome !== 'done') throw new SimulationError(`agent ${outcome} during the run`);
  return false;
}

/**
 * Releases what the run holds, in order: the load (replies still due), the scenarios, the agents,
 * the bus, the schema, the work folder. Returns when the load stopped: the end of the run for the
 * ground truth.
 */
async function tearDown(run: Run, ctl: SimulationControl): Promise<number> {
  if (run.progress) clearInterval(run.progress);
  await run.load.stop();
  const runEnd = Date.now();
  await run.scheduler.finish();
  await Promise.all(run.agents.map((a) => a.stop(AGENT_STOP_GRACE_MS)));
  await run.bus.close().catch(() => undefined);
  const db = run.db;
  if (db) await db.drop().catch((err: unknown) => ctl.log(`could not drop schema ${db.schema}: ${(err as Error).message}`));
  if (run.workDir) rmSync(run.workDir, { recursive: true, force: true });
  return runEnd;
}

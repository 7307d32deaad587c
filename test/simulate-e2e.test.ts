import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAgentProfile } from '../src/bus/agent-profile-client.js';
import { NatsBus } from '../src/bus/nats-bus.js';
import { PrefixedBus } from '../src/bus/prefixed-bus.js';
import { analyzeProfileBytes } from '../src/profile/analysis/analyze-profile.js';
import { dropSimSchema } from '../src/tools/simulate/sim-database.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { NATS_URL, PG_URL, quietLogger, uniqueSchema, waitFor } from './helpers/services.js';

const CLI = resolve('dist/cli/main.js');
const SDK_METRICS = [
  'cpu_usage', 'memory_rss_bytes', 'heap_used_bytes', 'heap_total_bytes', 'event_loop_delay_p99_ms', 'event_loop_utilization',
  'gc_pause_ms', 'handler_latency_p95_ms', 'queue_depth', 'error_rate', 'db_query_p95_ms',
];
const tmp = mkdtempSync(join(tmpdir(), 'perf-sim-test-'));
let te: TestEngine;

/** A `perf-engine simulate` child process whose output is kept. */
interface SimRun {
  readonly child: ChildProcess;
  readonly prefix: string;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}

function simulate(args: string[], extraEnv: Record<string, string> = {}): SimRun {
  const agentPrefix = uniqueSchema('sim').replace(/_/g, '-');
  const child = spawn(process.execPath, [CLI, 'simulate', '--agent-prefix', agentPrefix, '--orders', '50000', ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: tmp,
      DATABASE_URL: PG_URL,
      NATS_URL,
      PERF_ENGINE_NATS_SUBJECT_PREFIX: te.prefix,
      PERF_ENGINE_LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: SimRun = {
    child,
    prefix: agentPrefix,
    stdout: '',
    stderr: '',
    // 'close': after the last output is read ('exit' may come first).
    exit: new Promise((res) => child.once('close', (code) => res(code))),
  };
  child.stdout!.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()));
  return run;
}

/** Processes whose command line names an agent of this run. */
function agentProcesses(agentPrefix: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('agent-main') && cmd.includes(`${agentPrefix}-`)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function created(run: SimRun): { schema: string; workDir: string } {
  const schema = /created schema (\S+)/.exec(run.stderr)?.[1];
  const workDir = /work folder (\S+)/.exec(run.stderr)?.[1];
  if (!schema || !workDir) throw new Error(`simulate did not report its schema and folder:\n${run.stderr}`);
  return { schema, workDir };
}

async function schemaExists(schema: string): Promise<boolean> {
  const { rows } = await te.engine.agent.db.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
  return rows.length > 0;
}

beforeAll(async () => {
  te = await startTestEngine({ PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '1' }, { collectors: [] });
});

afterAll(async () => {
  await te?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('perf-engine simulate with the engine', () => {
  it('runs real agents whose metrics reach system_metrics, profiles the hog, and leaves nothing behind', async () => {
    const truthFile = join(tmp, 'truth.json');
    const run = simulate(['--agents', '3', '--duration', '22', '--rate', '90', '--metrics-interval', '1', '--scenario', 'cpu_hog@2:0', '--truth', truthFile]);
    await waitFor(() => /agents ready/.test(run.stderr) || run.child.exitCode !== null, 30_000);
    expect(run.stderr).toMatch(/agents ready/);
    const ids = [0, 1, 2].map((i) => `${run.prefix}-${i}`);
    await waitFor(() => /cpu_hog on/.test(run.stderr), 10_000);
    await new Promise((r) => setTimeout(r, 2000));

    const bus = new PrefixedBus(new NatsBus(te.nc, quietLogger()), te.prefix);
    const profile = await requestAgentProfile(bus, ids[0]!, { kind: 'cpu', duration_seconds: 3 });
    const analyzed = analyzeProfileBytes(profile.bytes, { top: 5 });
    if (analyzed.kind !== 'cpu') throw new Error('not a CPU profile');
    // The crunch, or the scenario's request hook when V8 inlined the crunch into it (then the profile has no frame of its own for it: seen in CI).
    const hot = analyzed.analysis.report.hotspots.map((h) => h.function);
    expect(hot.some((f) => f === 'cpuHogCrunchPrimes' || f === 'cpuHogOnRequest'), `hottest: ${hot.join(', ')}`).toBe(true);

    expect(await run.exit).toBe(0);
    expect(run.stdout).toMatch(/done; every agent stopped/);
    const { rows } = await te.engine.agent.db.query<{ source: string; metric: string }>(
      'SELECT DISTINCT source, metric FROM system_metrics WHERE source = ANY($1)',
      [ids],
    );
    for (const id of ids) {
      const names = rows.filter((r) => r.source === id).map((r) => r.metric);
      expect(names, id).toEqual(expect.arrayContaining(SDK_METRICS));
    }
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { episodes: { scenario: string; kind: string; agent: string; start: string; end: string }[] };
    expect(truth.episodes).toHaveLength(1);
    const e = truth.episodes[0]!;
    expect(e).toMatchObject({ scenario: 'cpu_hog', kind: 'cpu_saturation', agent: ids[0] });
    expect(Date.parse(e.end) - Date.parse(e.start)).toBeGreaterThan(15_000);

    const { schema, workDir } = created(run);
    expect(agentProcesses(run.prefix)).toEqual([]);
    expect(await schemaExists(schema)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
  });

  it('stops every agent and removes what it created on Ctrl-C', async () => {
    const run = simulate(['--agents', '2', '--duration', '120', '--rate', '20', '--scenario', 'disk_io:1', '--scenario', 'slow_db_query']);
    await waitFor(() => /disk_io on/.test(run.stderr) || run.child.exitCode !== null, 30_000);
    const { schema, workDir } = created(run);
    expect(agentProcesses(run.prefix)).toHaveLength(2);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stdout).toMatch(/stopped early/);
    expect(agentProcesses(run.prefix)).toEqual([]);
    expect(await schemaExists(schema)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
  });

  it('has its agents report every 2 s by default, whatever the engine interval, and leaves no orphan when the simulator itself is killed', async () => {
    const run = simulate(['--agents', '2', '--duration', '120', '--rate', '10'], { PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '15' });
    await waitFor(() => /agents ready/.test(run.stderr) || run.child.exitCode !== null, 30_000);
    const { schema, workDir } = created(run);
    expect(agentProcesses(run.prefix)).toHaveLength(2);
    const snapshotTimes = async () =>
      (await te.engine.agent.db.query<{ ts: Date }>(`SELECT ts FROM system_metrics WHERE source = $1 AND metric = 'cpu_usage' ORDER BY ts`, [`${run.prefix}-0`])).rows.map((r) => new Date(r.ts).getTime());
    await waitFor(async () => (await snapshotTimes()).length >= 3, 15_000, 250);
    const times = await snapshotTimes();
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.every((gap) => gap > 1500 && gap < 2500), `snapshot gaps ${gaps.join(', ')} ms`).toBe(true);
    run.child.kill('SIGKILL');
    await run.exit;
    await waitFor(() => agentProcesses(run.prefix).length === 0, 15_000);
    await dropSimSchema(PG_URL, schema);
    rmSync(workDir, { recursive: true, force: true });
  });
});

import { Command } from 'commander';
import { isValidName } from '../model/metric-names.js';
import { SCENARIO_NAMES } from '../tools/simulate/scenario-catalog.js';
import { parseScenarioSpec, type ScenarioSpec } from '../tools/simulate/scenario-spec.js';
import { DEFAULT_ORDERS } from '../tools/simulate/sim-database.js';
import { DEFAULT_METRICS_INTERVAL_S, runSimulation, SimulationError, type SimulationResult } from '../tools/simulate/simulation.js';
import { CliError, usageError } from './cli-error.js';
import { loadCliConfig, println, withConfigOption } from './shared.js';

interface SimulateFlags {
  config?: string;
  agents: string;
  duration: string;
  rate: string;
  scenario: string[];
  truth?: string;
  metricsInterval: string;
  agentPrefix: string;
  orders: string;
  agentLogs?: boolean;
}

function number(flag: string, text: string, min: number, max: number, integer: boolean): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw usageError(`${flag} ${JSON.stringify(text)}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return v;
}

function specs(texts: readonly string[]): ScenarioSpec[] {
  return texts.map((t) => {
    try {
      return parseScenarioSpec(t);
    } catch (err) {
      throw usageError((err as Error).message);
    }
  });
}

function printResult(r: SimulationResult, truthFile: string | undefined): void {
  const l = r.load;
  const failed = Object.entries(l.failed).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  println(`agents: ${r.agentIds.map((id, i) => `${id} (pid ${r.pids[i]})`).join(', ')}`);
  println(`requests: sent ${l.sent}, ok ${l.ok}, failed ${failed}, unanswered ${l.unanswered}, skipped ${l.skipped}; latency p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms`);
  println(r.truth.episodes.length === 0 ? 'episodes: none' : 'episodes:');
  for (const e of r.truth.episodes) println(`  ${e.scenario} (${e.kind}) on ${e.agent} from ${e.start} to ${e.end}`);
  for (const s of r.skipped) println(`skipped: ${s}`);
  if (truthFile) println(`truth: ${truthFile}`);
  println(r.interrupted ? 'stopped early (Ctrl-C); every agent stopped and everything created removed' : 'done; every agent stopped and everything created removed');
}

/** What the agents' metric interval costs in detection latency (the figures follow the diagnosis defaults; docs/simulator.md). */
const INTERVAL_HELP = `
Metric interval (--metrics-interval, default ${DEFAULT_METRICS_INTERVAL_S} s, whatever monitoring_interval_seconds says):
  the engine opens a bottleneck once its signature has shown in snapshots covering the hold
  (diagnose_hold_seconds 30) and in at least diagnose_hold_samples (4) of them, so from an onset:
    latency ~ (frames to show - 1) x interval + max(hold, hold samples x interval)
  frames to show: 1 for CPU, event loop, GC, memory pressure and disk; 2 for query and handler
  latency (a median of three frames); a leak dates its onset back to where growth began. Signatures also need 10 snapshots of normal references first
  (a memory leak 40), so a scenario should start that long into the run.
    interval   latency        references ready (leak)
    1 s        30-31 s        10 s (40 s)
    2 s        30-32 s        20 s (80 s)
    5 s        30-35 s        50 s (200 s)
    15 s       60-75 s        150 s (10 min)
  An episode shorter than its latency is never diagnosed: at 15 s a 40 s cpu_hog is missed.
`;

/** `perf-engine simulate`: a platform of real SDK agents, with bottlenecks switched on by schedule. */
export default function simulateCommand(): Command {
  return withConfigOption(new Command('simulate'))
    .description('run N real agent processes on the SDK, serving requests over NATS, with scenarios that cause real bottlenecks')
    .option('--agents <n>', 'agent processes', '3')
    .option('--duration <s>', 'seconds to run', '60')
    .option('--rate <r>', 'requests per second in total, spread evenly over the agents', '100')
    .option(
      '--scenario <spec>',
      `NAME[@START+LENGTH][:AGENT], repeatable; seconds from the start (default the whole run), agent index or id (default 0); NAME is one of ${SCENARIO_NAMES.join(', ')}`,
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--truth <file>', 'write the ground truth (episodes with kind, agent, RFC 3339 start and end) as JSON')
    .option('--metrics-interval <s>', 'seconds between the agents\' metric snapshots (see "Metric interval" below)', String(DEFAULT_METRICS_INTERVAL_S))
    .option('--agent-prefix <name>', 'agent ids are PREFIX-0, PREFIX-1, ...', 'sim-agent')
    .option('--orders <n>', 'rows of the generated orders table', String(DEFAULT_ORDERS))
    .option('--agent-logs', 'pass every log line of the agents through (default: warnings and errors)')
    .addHelpText('after', INTERVAL_HELP)
    .action(async (flags: SimulateFlags) => {
      const agents = number('--agents', flags.agents, 1, 200, true);
      const durationS = number('--duration', flags.duration, 1, 7 * 86400, false);
      const rate = number('--rate', flags.rate, 0, 100_000, false);
      const orders = number('--orders', flags.orders, 1000, 100_000_000, true);
      if (!isValidName(`${flags.agentPrefix}-${agents - 1}`)) throw usageError(`--agent-prefix ${JSON.stringify(flags.agentPrefix)}: agent ids must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
      const loaded = loadCliConfig(flags.config);
      const config = loaded.config;
      const intervalS = number('--metrics-interval', flags.metricsInterval, 0.1, 86400, false);
      const stop = new AbortController();
      const force = new AbortController();
      const onSignal = () => {
        if (stop.signal.aborted) force.abort();
        else stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const result = await runSimulation(
          { agents, durationS, rate, scenarios: specs(flags.scenario), truthFile: flags.truth ?? null, agentPrefix: flags.agentPrefix, metricsIntervalMs: intervalS * 1000, orders, agentLogs: flags.agentLogs ?? false },
          { config, log: (line) => process.stderr.write(`simulate: ${line}\n`), stop: stop.signal, force: force.signal },
        );
        printResult(result, flags.truth);
        if (result.interrupted) process.exitCode = 130;
      } catch (err) {
        if (err instanceof SimulationError) throw new CliError(err.message);
        if (err instanceof Error && /^--scenario/.test(err.message)) throw usageError(err.message);
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

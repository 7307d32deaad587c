import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeJson } from '../../src/wire/json.js';
import { BENCH_NATS_URL } from './services.js';

/** The order every bench request carries (4 items). */
export const ORDER = { order_id: 7, customer_id: 42, items: Array.from({ length: 4 }, (_, i) => ({ sku: `sku-${i}`, qty: 1 + i * 5, unit_price: 9.99 + i })) };

/**
 * The agent process of the SDK benches: the compiled SDK from dist/ and the simulator's order
 * handler, with instrumentation and the profile responder (its CPU profiler prepared: eager code
 * logging, unless told not to) both on, or both off.
 */
const AGENT_SCRIPT = `
const { Agent, createLogger } = await import(process.env.SDK_BENCH_AGENT_URL);
const { OrderRequest, priceOrder } = await import(process.env.SDK_BENCH_WORKLOAD_URL);
const cfg = JSON.parse(process.env.SDK_BENCH_CONFIG);
const agent = new Agent({ agentId: cfg.id, log: createLogger({ level: 'silent', name: cfg.id }), bus: { url: cfg.nats, name: cfg.id },
  subjectPrefix: cfg.prefix, instrumentation: cfg.instrumented && cfg.timedCallsPerSecond ? { timedCallsPerSecond: cfg.timedCallsPerSecond } : cfg.instrumented, profiling: cfg.instrumented ? { prepareCpuProfiler: cfg.prepareCpu } : false, metricsIntervalMs: cfg.metricsIntervalMs });
let served = 0;
agent.handle('bench.' + cfg.id + '.order', OrderRequest, (o) => { served++; const p = priceOrder(o.items); return { order_id: o.order_id, total: p.total, lines: p.lines.length }; });
await agent.start();
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m === 'cpu') process.send({ cpuUs: process.cpuUsage().user + process.cpuUsage().system, served });
  if (m === 'stop') agent.stop().then(() => process.exit(0));
});
process.send({ ready: true });
`;

/** A running bench agent: its id, process, CPU time and requests served so far, and a stop. */
export interface AgentChild {
  readonly id: string;
  readonly child: ChildProcess;
  cpu(): Promise<{ cpuUs: number; served: number }>;
  stop(): Promise<void>;
}

export interface AgentOptions {
  /** Snapshot interval of the instrumented agent (default 1 s, the SDK's own default is 15 s). */
  readonly metricsIntervalMs?: number;
  /** A command the agent runs under (e.g. valgrind and its options), before node. */
  readonly wrapper?: readonly string[];
  /** How long the agent may take to start (default 60 s). */
  readonly startTimeoutMs?: number;
  /** The instrumented agent's `timedCallsPerSecond` (default the SDK's). */
  readonly timedCallsPerSecond?: number;
}

/** Starts a bench agent serving `bench.<id>.order` under `prefix`; resolves once it is connected. */
export function startAgent(id: string, prefix: string, instrumented: boolean, prepareCpu = instrumented, opts: AgentOptions = {}): Promise<AgentChild> {
  const [command, ...wrapperArgs] = opts.wrapper ?? [];
  const nodeArgs = ['--input-type=module', '-e', AGENT_SCRIPT];
  const child = spawn(command ?? process.execPath, command ? [...wrapperArgs, process.execPath, ...nodeArgs] : nodeArgs, {
    env: {
      ...process.env,
      SDK_BENCH_AGENT_URL: pathToFileURL(resolve('dist/agent/index.js')).href,
      SDK_BENCH_WORKLOAD_URL: pathToFileURL(resolve('dist/tools/simulate/order-workload.js')).href,
      SDK_BENCH_CONFIG: JSON.stringify({ id, prefix, nats: BENCH_NATS_URL, instrumented, prepareCpu, metricsIntervalMs: opts.metricsIntervalMs ?? 1000, timedCallsPerSecond: opts.timedCallsPerSecond }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const cpu = () =>
    new Promise<{ cpuUs: number; served: number }>((res) => {
      child.once('message', (m) => res(m as { cpuUs: number; served: number }));
      child.send('cpu');
    });
  const stop = () =>
    new Promise<void>((res) => {
      if (child.exitCode !== null) return res();
      child.once('exit', () => res());
      child.send('stop');
    });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`bench agent ${id} did not start within ${(opts.startTimeoutMs ?? 60_000) / 1000} s`));
    }, opts.startTimeoutMs ?? 60_000);
    child.once('message', () => {
      clearTimeout(timer);
      res({ id, child, cpu, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`bench agent ${id} exited with ${code} (is dist/ built? npm run build)`));
    });
  });
}

/**
 * Keeps `window` requests outstanding against one agent until `until.ms` have passed or
 * `until.requests` were sent; returns the requests answered.
 */
export async function drive(nc: NatsConnection, subject: string, window: number, until: { ms: number } | { requests: number }, timeoutMs = 5000): Promise<number> {
  const body = encodeJson(ORDER);
  const end = 'ms' in until ? performance.now() + until.ms : Infinity;
  const limit = 'requests' in until ? until.requests : Infinity;
  let sent = 0;
  let done = 0;
  const worker = async () => {
    while (performance.now() < end && sent < limit) {
      sent++;
      await nc.request(subject, body, { timeout: timeoutMs });
      done++;
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return done;
}

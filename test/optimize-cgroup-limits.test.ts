// The resource-limits loop on a real cgroup: an SDK agent under a CPU quota far below its need is
// found throttled by the process collector, the advisor proposes a higher limit, the applier writes
// it, and the throttled time and the agent's latency drop. Needs root and a writable cpu (and
// memory) cgroup controller; skipped, saying why, on a machine that has none.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessCollector } from '../src/collect/process-collector.js';
import { adviseLimits, type LimitSample } from '../src/optimize/limits/limits-advisor.js';
import { CgroupLimitError, createCgroupLimitApplier } from '../src/optimize/stage/cgroup-limit-applier.js';
import { readProcessLimits } from '../src/optimize/stage/process-limits.js';
import { createTestCgroup, type TestCgroup } from './helpers/cgroup.js';
import { NATS_URL } from './helpers/services.js';

const BUSY_AGENT = fileURLToPath(new URL('fixtures/limits/busy-agent.ts', import.meta.url));
const tag = randomBytes(4).toString('hex');
const prefix = `limits_${tag}.`;
const agentId = 'limits-busy-agent';
const marker = `--limits-test-${tag}`;
/** A twentieth of a core, where the agent under load wants about a third. */
const QUOTA_CORES = 0.05;
const PHASE_MS = 12_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let nc: NatsConnection;
let child: ChildProcess | undefined;
let cpuCgroup: TestCgroup | { skip: string };
const agentLatency: { atMs: number; p95: number }[] = [];

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Two closed-loop clients: a request for 4 ms of CPU, the reply, 20 ms of think time, again. */
async function drive(ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = Date.now() + ms;
  const client = async (): Promise<void> => {
    while (Date.now() < end) {
      const t0 = performance.now();
      await nc.request(`${prefix}work`, encoder.encode(JSON.stringify({ cpu_ms: 4 })), { timeout: 10_000 });
      latencies.push(performance.now() - t0);
      await sleep(20);
    }
  };
  await Promise.all([client(), client()]);
  return latencies;
}

/** The process collector's snapshots of the agent process, one a second. */
async function observe(collect: (now: number) => Promise<LimitSample | undefined>, ms: number): Promise<LimitSample[]> {
  const out: LimitSample[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(1000);
    const s = await collect(Date.now());
    if (s) out.push(s);
  }
  return out;
}

beforeAll(async () => {
  cpuCgroup = createTestCgroup(`perf-engine-limits-${tag}`, 'cpu');
  if ('skip' in cpuCgroup) return;
  nc = await connect({ servers: NATS_URL });
  nc.subscribe(`${prefix}monitoring.realtime_metrics`, {
    callback: (_err, m) => {
      const s = JSON.parse(decoder.decode(m.data)) as { metrics: Record<string, number> };
      if (s.metrics.handler_latency_p95_ms !== undefined) agentLatency.push({ atMs: Date.now(), p95: s.metrics.handler_latency_p95_ms });
    },
  });
  child = spawn(process.execPath, ['--import', 'tsx', BUSY_AGENT, marker], {
    env: { ...process.env, AGENT_ID: agentId, NATS_URL, SUBJECT_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child!.once('error', reject);
    child!.once('exit', (code) => reject(new Error(`busy agent exited with ${code}`)));
    child!.stdout!.once('data', () => resolve());
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  await nc?.close();
  if (cpuCgroup && !('skip' in cpuCgroup)) await cpuCgroup.remove();
});

describe('resource limits on a real cgroup', () => {
  it('finds a throttled agent, raises its CPU limit, and measures throttling and latency drop', async (ctx) => {
    if ('skip' in cpuCgroup) {
      console.warn(`skipped: ${cpuCgroup.skip}`);
      ctx.skip();
      return;
    }
    const cg = cpuCgroup;
    const applier = createCgroupLimitApplier();
    // The quota first, through the applier, then the process: it never runs unconstrained in the cgroup.
    await applier.apply({ action: 'set_cpu_limit', params: { source: 'setup', cgroup: cg.dir, cpu_cores: QUOTA_CORES, previous: null } });
    cg.addProcess(child!.pid!);
    const limits = readProcessLimits(child!.pid!);
    expect(limits?.cpu).toEqual({ cgroup: cg.dir, limit: QUOTA_CORES });

    const collector = createProcessCollector({ hostName: 'test', patterns: [marker], selfPid: process.pid, minAgeSeconds: 0 });
    let source = '';
    const collect = async (now: number): Promise<LimitSample | undefined> => {
      const snap = (await collector.collect(now)).find((s) => s.labels?.pid === String(child!.pid));
      if (snap === undefined) return undefined;
      source = snap.source;
      return { atMs: now, metrics: Object.fromEntries(Object.entries(snap.metrics).filter(([k]) => k.startsWith('cgroup_'))) };
    };
    try {
      await collect(Date.now());
      const [beforeLatency, before] = await Promise.all([drive(PHASE_MS), observe(collect, PHASE_MS)]);
      const throttledBefore = mean(before.map((s) => s.metrics.cgroup_cpu_throttled_pct ?? NaN));
      expect(mean(before.map((s) => s.metrics.cgroup_cpu_throttled_periods_pct ?? NaN))).toBeGreaterThan(50);

      const proposals = adviseLimits(
        { source, agentSource: agentId, cpu: limits!.cpu!, samples: before },
        { minSamples: 5, recentMs: 60_000, maxCpuCores: availableParallelism() },
      );
      const raise = proposals.find((p) => p.action === 'set_cpu_limit')!;
      expect(raise.params).toMatchObject({ source, cgroup: cg.dir, previous: QUOTA_CORES });
      expect(raise.params.cpu_cores as number).toBeGreaterThan(QUOTA_CORES * 4);
      expect(raise.expect.map((e) => `${e.metric}@${e.source}`)).toEqual([`cgroup_cpu_throttled_pct@${source}`, `handler_latency_p95_ms@${agentId}`]);

      await applier.apply(raise);
      await applier.apply(raise); // idempotent
      const agentLatencyBefore = agentLatency.length;
      await sleep(1500); // the backlog of the throttled phase drains
      await collect(Date.now());
      const [afterLatency, after] = await Promise.all([drive(PHASE_MS), observe(collect, PHASE_MS)]);
      const throttledAfter = mean(after.map((s) => s.metrics.cgroup_cpu_throttled_pct ?? NaN));
      const p95Before = mean(agentLatency.slice(2, agentLatencyBefore).map((l) => l.p95));
      const p95After = mean(agentLatency.slice(agentLatencyBefore + 2).map((l) => l.p95));
      console.log(
        `limits: quota ${QUOTA_CORES} -> ${String(raise.params.cpu_cores)} cores (${raise.rationale}); ` +
          `throttled ${throttledBefore.toFixed(2)}% -> ${throttledAfter.toFixed(2)}% of host CPU time; ` +
          `throttled periods ${mean(before.map((s) => s.metrics.cgroup_cpu_throttled_periods_pct!)).toFixed(1)}% -> ${mean(after.map((s) => s.metrics.cgroup_cpu_throttled_periods_pct ?? 0)).toFixed(1)}%; ` +
          `round trip median ${median(beforeLatency).toFixed(1)} -> ${median(afterLatency).toFixed(1)} ms (${beforeLatency.length} -> ${afterLatency.length} requests); ` +
          `agent handler_latency_p95_ms mean ${p95Before.toFixed(1)} -> ${p95After.toFixed(1)}`,
      );
      expect(throttledAfter).toBeLessThan(throttledBefore / 5);
      expect(median(afterLatency)).toBeLessThan(median(beforeLatency) / 3);
      expect(p95After).toBeLessThan(p95Before / 2);

      await applier.apply(raise.undo!);
      expect(readProcessLimits(child!.pid!)?.cpu).toEqual({ cgroup: cg.dir, limit: QUOTA_CORES });
    } finally {
      collector.close?.();
    }
  });

  it('sets, keeps and undoes a memory limit, and refuses conflicts and paths outside the cgroup mount', async (ctx) => {
    const mem = createTestCgroup(`perf-engine-limits-mem-${tag}`, 'memory');
    if ('skip' in mem) {
      console.warn(`skipped: ${mem.skip}`);
      ctx.skip();
      return;
    }
    try {
      const applier = createCgroupLimitApplier();
      const file = `${mem.dir}/${mem.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'}`;
      const step = { action: 'set_memory_limit' as const, params: { source: 's', cgroup: mem.dir, bytes: 64 << 20, previous: null } };
      await applier.apply(step);
      expect(Number(readFileSync(file, 'utf8'))).toBe(64 << 20);
      await applier.apply(step);
      const conflict = { action: 'set_memory_limit' as const, params: { source: 's', cgroup: mem.dir, bytes: 96 << 20, previous: 32 << 20 } };
      await expect(applier.apply(conflict)).rejects.toMatchObject({ code: 'conflict' });
      await applier.apply({ action: 'set_memory_limit', params: { source: 's', cgroup: mem.dir, bytes: null, previous: 64 << 20 } });
      expect(readFileSync(file, 'utf8').trim()).toMatch(/^(max|9223372036854771712)$/);
      await expect(applier.apply({ action: 'set_memory_limit', params: { source: 's', cgroup: '/tmp', bytes: 1 << 20, previous: null } })).rejects.toBeInstanceOf(
        CgroupLimitError,
      );
      await expect(applier.apply({ action: 'set_cpu_limit', params: { source: 's', cgroup: mem.dir, cpu_cores: -1, previous: null } })).rejects.toMatchObject({
        code: 'invalid_params',
      });
    } finally {
      await mem.remove();
    }
  });
});

import { gzipSync } from 'node:zlib';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, AgentProfileError, requestAgentProfile } from '../src/agent/index.js';
import { NatsBus } from '../src/bus/nats-bus.js';
import { PrefixedBus } from '../src/bus/prefixed-bus.js';
import type { Bus } from '../src/bus/bus.js';
import { agentProfileSubject } from '../src/wire/subjects.js';
import { analyzeProfileBytes } from '../src/profile/analysis/analyze-profile.js';
import { summarizeEventLoop } from '../src/profile/analysis/event-loop-report.js';
import { captureInProcess } from '../src/profile/capture/in-process.js';
import { NATS_URL, quietLogger, uniqueSchema } from './helpers/services.js';

const prefix = `${uniqueSchema('sdkp')}.`;
let nc: NatsConnection;
let client: Bus;
let agent: Agent;

/** Keeps a CPU-heavy function on the stack in short slices, so the loop still turns. */
function sdkTestBusyLoop(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(i + x);
  return x;
}

function sdkTestBlocker(ms: number): number {
  return sdkTestBusyLoop(ms);
}

function keepBusy(totalMs: number): Promise<void> {
  const end = Date.now() + totalMs;
  return new Promise((resolve) => {
    const step = () => {
      sdkTestBusyLoop(5);
      if (Date.now() < end) setImmediate(step);
      else resolve();
    };
    step();
  });
}

async function expectProfileError(p: Promise<unknown>, code: string): Promise<AgentProfileError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AgentProfileError);
  expect((err as AgentProfileError).code).toBe(code);
  return err as AgentProfileError;
}

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  client = new PrefixedBus(new NatsBus(nc, quietLogger()), prefix);
  agent = new Agent({
    agentId: 'sdk-profile-agent',
    log: quietLogger(),
    bus: { url: NATS_URL, name: 'sdk-profile-agent' },
    subjectPrefix: prefix,
    metricsIntervalMs: 60_000,
  });
  await agent.start();
});

afterAll(async () => {
  await agent?.stop();
  await nc?.close();
});

describe('in-process profiling over NATS', () => {
  it('returns a real CPU profile whose hottest function is the busy one', async () => {
    const busy = keepBusy(1800);
    const profile = await requestAgentProfile(client, 'sdk-profile-agent', { kind: 'cpu', duration_seconds: 1.5, sampling_interval_us: 500 });
    await busy;
    expect(profile.kind).toBe('cpu');
    expect(profile.sampleCount).toBeGreaterThan(500);
    const analyzed = analyzeProfileBytes(profile.bytes, { top: 5 });
    if (analyzed.kind !== 'cpu') throw new Error('not a CPU profile');
    expect(analyzed.analysis.report.hotspots.slice(0, 3).map((h) => h.function)).toContain('sdkTestBusyLoop');
    // The agent prepared the eager CPU profiler when it started: no profile start walks its heap.
    expect((await agent.readiness()).components.profiler).toEqual({ profiling: null, cpu_profiler: 'eager' });
  });

  it('refuses a second profile at once with busy while one runs', async () => {
    const first = requestAgentProfile(client, 'sdk-profile-agent', { kind: 'cpu', duration_seconds: 2 });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const err = await expectProfileError(requestAgentProfile(client, 'sdk-profile-agent', { kind: 'heap', duration_seconds: 1 }), 'busy');
    expect(err.remote).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await first).kind).toBe('cpu');
  });

  it('answers busy while another profile of the same process runs (the engine profiling itself, when it shares the process)', async () => {
    const own = captureInProcess({ kind: 'cpu', durationMs: 800, maxBytes: 1 << 26 });
    const err = await expectProfileError(requestAgentProfile(client, 'sdk-profile-agent', { kind: 'cpu', duration_seconds: 1 }), 'busy');
    expect(err.message).toContain('a profile of this process is already being recorded');
    expect((await own).kind).toBe('cpu');
  });

  it('returns a sampling heap profile with heap statistics', async () => {
    const keep: unknown[] = [];
    const timer = setInterval(() => keep.push(Array.from({ length: 5000 }, (_, i) => ({ i, s: `x${i}` }))), 50);
    const profile = await requestAgentProfile(client, 'sdk-profile-agent', { kind: 'heap', duration_seconds: 1, heap_sampling_interval_bytes: 4096 });
    clearInterval(timer);
    expect(keep.length).toBeGreaterThan(0);
    const analyzed = analyzeProfileBytes(profile.bytes);
    expect(analyzed.kind).toBe('heap');
    expect(profile.heapStatistics?.end.used_heap_size).toBeGreaterThan(0);
  });

  it('reports event-loop blocks with the stack that held the loop', async () => {
    setTimeout(() => sdkTestBlocker(150), 400);
    const profile = await requestAgentProfile(client, 'sdk-profile-agent', { kind: 'event_loop', duration_seconds: 1.2 });
    const analyzed = analyzeProfileBytes(profile.bytes);
    if (analyzed.kind !== 'event_loop') throw new Error('not an event-loop report');
    const summary = summarizeEventLoop(analyzed.report, { top: 1 });
    expect(summary.max_ms).toBeGreaterThan(100);
    const longest = summary.longest[0]!;
    expect(longest.duration_ms).toBeGreaterThanOrEqual(140);
    expect(longest.at_ms).toBeGreaterThan(50);
    expect(longest.stack.map((f) => f.function)).toContain('sdkTestBlocker');
    expect(analyzed.report.delay.buckets.reduce((n, b) => n + b.count, 0)).toBe(analyzed.report.delay.count);
  });

  it('refuses invalid requests and profiles above the size cap', async () => {
    await expectProfileError(requestAgentProfile(client, 'sdk-profile-agent', { kind: 'cpu', duration_seconds: 0 }), 'invalid_request');
    await expectProfileError(requestAgentProfile(client, 'sdk-profile-agent', { kind: 'cpu', duration_seconds: 1, max_bytes: 1024 }), 'too_large');
  });
});

describe('a misbehaving agent cannot hang or crash the requester', () => {
  async function withFakeAgent(id: string, answer: (reply: string) => void, fn: () => Promise<void>): Promise<void> {
    const sub = nc.subscribe(`${prefix}${agentProfileSubject(id)}`, {
      callback: (_err, m) => {
        if (m.reply) answer(m.reply);
      },
    });
    try {
      await nc.flush();
      await fn();
    } finally {
      sub.unsubscribe();
    }
  }

  it('times out on an agent that never answers', async () => {
    await withFakeAgent('silent-agent', () => undefined, async () => {
      const t0 = Date.now();
      await expectProfileError(requestAgentProfile(client, 'silent-agent', { duration_seconds: 1 }, { timeoutMs: 400 }), 'timeout');
      expect(Date.now() - t0).toBeLessThan(2000);
    });
  });

  it('says no_responders when no agent listens', async () => {
    await expectProfileError(requestAgentProfile(client, 'nobody-here', { duration_seconds: 1 }, { timeoutMs: 2000 }), 'no_responders');
  });

  const good = { ok: true, agent_id: 'g', kind: 'cpu', started_at: new Date().toISOString(), duration_ms: 1, encoding: 'gzip+base64' };
  const garbage: [string, Uint8Array | string][] = [
    ['bytes that are not UTF-8', new Uint8Array([0xff, 0xfe, 0x00, 0x81])],
    ['JSON of the wrong shape', JSON.stringify({ ok: 'yes', data: 42 })],
    ['data that is not gzip', JSON.stringify({ ...good, size_bytes: 5, data: Buffer.from('hello').toString('base64') })],
    ['a size that does not match', JSON.stringify({ ...good, size_bytes: 99, data: gzipSync('{}').toString('base64') })],
    ['a gzip bomb', JSON.stringify({ ...good, size_bytes: 1000, data: gzipSync(Buffer.alloc(50_000_000)).toString('base64') })],
    ['the wrong kind', JSON.stringify({ ...good, kind: 'heap', size_bytes: 2, data: gzipSync('{}').toString('base64') })],
    ['a refusal carrying a field nested 10,000 levels deep', `{"ok":false,"error":{"code":"busy","message":"m"},"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
  ];
  for (const [what, payload] of garbage) {
    it(`rejects ${what} as invalid_reply`, async () => {
      await withFakeAgent('garbage-agent', (reply) => nc.publish(reply, payload), async () => {
        await expectProfileError(
          requestAgentProfile(client, 'garbage-agent', { kind: 'cpu', duration_seconds: 1 }, { timeoutMs: 2000, maxProfileBytes: 1_000_000 }),
          'invalid_reply',
        );
      });
    });
  }
});

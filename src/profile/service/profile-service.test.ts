import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ProfileTarget } from '../../model/profile.js';
import type { CaptureTargets } from '../capture/capture-targets.js';
import { CaptureError, type CaptureRequest, type CapturedProfile } from '../capture/capture-types.js';
import { AutoProfiler, type AutoProfilingSettings } from './auto-profiler.js';
import type { ProfileRow } from './profile-repository.js';
import { ProfileService, type ProfileReport, type ProfilingSettings } from './profile-service.js';

/** A tiny real .cpuprofile: `work` on top of 3 of 4 samples, 1 ms apart. */
function cpuProfileBytes(): Uint8Array {
  const frame = (functionName: string, lineNumber: number) => ({ functionName, scriptId: '1', url: 'file:///app.js', lineNumber, columnNumber: 0 });
  const profile = {
    nodes: [
      { id: 1, callFrame: { ...frame('(root)', -1), url: '' }, children: [2, 3] },
      { id: 2, callFrame: frame('work', 9), children: [] },
      { id: 3, callFrame: frame('idleWait', 20), children: [] },
    ],
    startTime: 0,
    endTime: 4000,
    samples: [2, 2, 3, 2],
    timeDeltas: [0, 1000, 1000, 1000],
  };
  return new TextEncoder().encode(JSON.stringify(profile));
}

interface Harness {
  readonly service: ProfileService;
  readonly saved: ProfileRow[];
  readonly published: ProfileReport[];
  readonly requests: { target: ProfileTarget; req: CaptureRequest }[];
  /** Ends the pending capture of a target, with a profile or a failure. */
  finish(key: string, outcome?: Error): void;
}

function harness(settings: Partial<ProfilingSettings> = {}, check: CaptureTargets['check'] = () => undefined): Harness {
  const pending = new Map<string, { resolve: (p: CapturedProfile) => void; reject: (e: Error) => void }>();
  const requests: Harness['requests'] = [];
  const saved: ProfileRow[] = [];
  const published: ProfileReport[] = [];
  const keyOf = (t: ProfileTarget): string => JSON.stringify(t);
  const targets: CaptureTargets = {
    check,
    capture: (target, req) => {
      requests.push({ target, req });
      return new Promise((resolve, reject) => pending.set(keyOf(target), { resolve, reject }));
    },
    sourceOf: (t) => ('agent_id' in t ? t.agent_id : 'engine'),
  };
  const service = new ProfileService({
    targets,
    save: async (row) => {
      saved.push(row);
    },
    publish: (r) => published.push(r),
    settings: () => ({ maxDurationSeconds: 60, maxProfileBytes: 1 << 20, defaultIntervalUs: 1000, maxConcurrent: 2, ...settings }),
    log: pino({ level: 'silent' }),
  });
  return {
    service,
    saved,
    published,
    requests,
    finish(key, outcome) {
      const p = pending.get(key)!;
      if (outcome) p.reject(outcome);
      else p.resolve({ kind: 'cpu', format: 'cpuprofile', raw: cpuProfileBytes(), startedAt: Date.parse('2026-11-25T10:00:00Z'), durationMs: 4, extra: { sampling_interval_us: 1000 } });
    },
  };
}

const A = { agent_id: 'order-agent-1' };

describe('profile service', () => {
  it('records, analyses, stores (gzip raw) and publishes an accepted profile', async () => {
    const h = harness();
    const r = h.service.start({ target: A, kind: 'cpu', durationSeconds: 2, requestId: 'r-1', trigger: 'request' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(h.requests[0]!.req).toMatchObject({ kind: 'cpu', durationMs: 2000, samplingIntervalUs: 1000, maxBytes: 1 << 20 });
    expect(h.service.active().map((a) => a.profileId)).toEqual([r.profileId]);
    h.finish(JSON.stringify(A));
    const report = await r.done;
    expect(report).toMatchObject({ profile_id: r.profileId, request_id: 'r-1', target: A, kind: 'cpu', error: null, trigger: 'request', source: 'order-agent-1', sample_count: 4 });
    expect(report.hotspots[0]).toMatchObject({ function: 'work', url: 'file:///app.js', line: 10 });
    expect(h.published).toEqual([report]);
    expect(h.saved[0]).toMatchObject({ status: 'completed', rawFormat: 'cpuprofile', rawBytes: cpuProfileBytes().length });
    expect(h.saved[0]!.rawGzip![0]).toBe(0x1f);
    expect(h.service.active()).toEqual([]);
  });

  it('refuses a busy target at once, and a full house, without queueing', async () => {
    const h = harness({ maxConcurrent: 2 });
    const first = h.service.start({ target: A, trigger: 'request' });
    expect(first.ok).toBe(true);
    expect(h.service.start({ target: A, trigger: 'schedule' })).toMatchObject({ ok: false, code: 'busy' });
    expect(h.service.start({ target: { self: true }, trigger: 'request' }).ok).toBe(true);
    expect(h.service.start({ target: { pid: 42 }, trigger: 'request' })).toMatchObject({ ok: false, code: 'too_many' });
    expect(h.requests).toHaveLength(2);
    h.finish(JSON.stringify(A));
    // Once its profile is stored and published (not after a fixed wait: the analysis is slower on a loaded machine).
    if (first.ok) await first.done;
    expect(h.service.start({ target: A, trigger: 'request' }).ok).toBe(true);
  });

  it('refuses durations over the cap and what the targets cannot profile, with their codes', () => {
    const h = harness({ maxDurationSeconds: 30 }, (t) => {
      if ('pid' in t) throw new CaptureError('not_allowed', 'not in profiling_allowed_processes');
    });
    expect(h.service.start({ target: A, durationSeconds: 31, trigger: 'request' })).toMatchObject({ ok: false, code: 'too_long' });
    expect(h.service.start({ target: { pid: 7 }, trigger: 'request' })).toEqual({ ok: false, code: 'not_allowed', message: 'not in profiling_allowed_processes' });
    const refusal = h.service.publishRefusal({ target: { pid: 7 }, trigger: 'request', requestId: 'r-9' }, 'not_allowed', 'nope');
    expect(refusal).toMatchObject({ request_id: 'r-9', error: 'nope', error_code: 'not_allowed', hotspots: [], sample_count: 0 });
    expect(h.saved).toEqual([]);
  });

  it('stores and publishes a failed capture with its error and no hotspots', async () => {
    const h = harness();
    const r = h.service.start({ target: A, trigger: 'request' });
    if (!r.ok) throw new Error('refused');
    h.finish(JSON.stringify(A), new CaptureError('timeout', 'agent order-agent-1 did not answer within 25000 ms'));
    const report = await r.done;
    expect(report).toMatchObject({ error: 'agent order-agent-1 did not answer within 25000 ms', error_code: 'timeout', hotspots: [] });
    expect(h.saved[0]).toMatchObject({ status: 'failed', rawGzip: null, error: report.error });
  });
});

describe('auto-profiler', () => {
  it('profiles the source of a bottleneck with the fitting kind, then holds off for the cooldown', () => {
    const h = harness();
    let now = 1_000_000;
    const settings: AutoProfilingSettings = { enabled: true, durationSeconds: 5, limits: { cooldownSeconds: 600, maxPerHour: 10, maxTimePct: 10 } };
    const auto = new AutoProfiler(h.service, () => settings, pino({ level: 'silent' }), () => now);
    const first = auto.onBottleneck({ source: 'order-agent-1', kind: 'event_loop_blocked', bottleneck_id: 'b-1' });
    expect(first).toMatchObject({ started: true, kind: 'event_loop' });
    expect(h.requests[0]).toMatchObject({ target: A, req: { kind: 'event_loop', durationMs: 5000 } });
    h.finish(JSON.stringify(A));
    now += 60_000;
    expect(auto.onBottleneck({ source: 'order-agent-1', kind: 'cpu_saturation' })).toMatchObject({ started: false, reason: 'cooldown', retryInMs: 540_000 });
    expect(auto.onBottleneck({ source: 'billing-agent', kind: 'memory_leak' })).toMatchObject({ started: true, kind: 'heap' });
    expect(auto.status()).toMatchObject({ started: 2, skipped: { cooldown: 1 }, last_hour: { profiles: 2, recording_ms: 10_000 } });
  });

  it('does nothing while enable_auto_profiling is off, and does not count a refused start', () => {
    const h = harness({ maxConcurrent: 1 });
    let enabled = false;
    const auto = new AutoProfiler(h.service, () => ({ enabled, durationSeconds: 5, limits: { cooldownSeconds: 0, maxPerHour: 10, maxTimePct: 10 } }), pino({ level: 'silent' }));
    expect(auto.onBottleneck({ source: 'a', kind: 'anomaly' })).toEqual({ started: false, reason: 'disabled' });
    enabled = true;
    expect(h.service.start({ target: { self: true }, trigger: 'request' }).ok).toBe(true);
    expect(auto.onBottleneck({ source: 'a', kind: 'anomaly' })).toEqual({ started: false, reason: 'too_many' });
    expect(auto.status().last_hour.profiles).toBe(0);
  });
});

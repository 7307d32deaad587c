import { describe, expect, it } from 'vitest';
import { plainView, type PlainMetric } from '../source-view.js';
import { cpuSaturation } from './cpu-saturation.js';
import { diskIoSaturation, networkSaturation } from './io-saturation.js';
import { memoryLeak, memoryPressure } from './memory.js';

const MiB = 1024 * 1024;
const flat = (value: number, ref: number, frames = 5, spread = ref * 0.05): PlainMetric => ({ values: Array(frames).fill(value), ref, spread });
const agent = (metrics: Record<string, PlainMetric>, scope: 'agent' | 'process' | 'host' = 'agent') => plainView({ metrics, scope, intervalMs: 15_000 });

describe('cpu_saturation', () => {
  it('is an event loop pinned near 1 on a Node agent, well above its own baseline, even though cpu_usage (of all cores) stays low', () => {
    const f = cpuSaturation(agent({ event_loop_utilization: flat(0.99, 0.3), cpu_usage: flat(26, 8), handler_latency_p95_ms: flat(400, 40), queue_depth: flat(50, 1) }));
    expect(f).toMatchObject({ kind: 'cpu_saturation', metric: 'event_loop_utilization', severity: 'critical', facts: { saturated: 'event_loop' } });
    expect(f!.metrics.handler_latency_p95_ms).toEqual({ value: 400, baseline: 40, ratio: 10 });
  });

  it('is not a loop that is always this busy, nor a load increase that leaves the loop below saturation', () => {
    expect(cpuSaturation(agent({ event_loop_utilization: flat(0.95, 0.93), cpu_usage: flat(24, 23) }))).toBeNull();
    expect(cpuSaturation(agent({ event_loop_utilization: flat(0.7, 0.35), cpu_usage: flat(18, 9), handler_latency_p95_ms: flat(48, 40) }))).toBeNull();
  });

  it('is cpu_usage near 100% of all cores on a host, or a cgroup throttling a process', () => {
    expect(cpuSaturation(agent({ cpu_usage: flat(97, 40) }, 'host'))).toMatchObject({ metric: 'cpu_usage', facts: { saturated: 'all_cores' } });
    expect(cpuSaturation(agent({ cpu_usage: flat(40, 30), cgroup_cpu_throttled_pct: flat(35, 1) }, 'process'))).toMatchObject({ metric: 'cgroup_cpu_throttled_pct' });
    expect(cpuSaturation(agent({ cpu_usage: flat(60, 40) }, 'host'))).toBeNull();
  });
});

describe('memory_leak', () => {
  const leak = (perFrame: number, frames: number, base = 100 * MiB) => ({ values: Array.from({ length: frames }, (_, i) => base + perFrame * i), ref: base, spread: 1 * MiB });

  it('is a steady growth of heap_used well beyond its baseline, dated back to where the growth began', () => {
    const f = memoryLeak(agent({ heap_used_bytes: leak(4 * MiB, 10), cpu_usage: flat(10, 10) }));
    expect(f).toMatchObject({ kind: 'memory_leak', metric: 'heap_used_bytes', onset: { frames: 10 } });
    expect(Number(f!.facts.growth_bytes_per_second)).toBeCloseTo((4 * MiB) / 15, -3);
    expect(f!.facts.trend_fit).toBe(1);
  });

  it('dates a fast leak from the start of its rise, not from when it left the band of normal values (a wide spread)', () => {
    // Flat at 19 MiB, then +2.5 MiB a frame against a 22 MiB reference with a 4.3 MiB spread: the
    // growth leaves ref + 3 spreads (35 MiB) only at its 7th frame.
    const values = [19, 19, 19, 19, 21.5, 24, 26.5, 29, 31.5, 34, 36.5, 39, 41.5, 44].map((x) => x * MiB);
    const f = memoryLeak(agent({ heap_used_bytes: { values, ref: 22 * MiB, spread: 4.3 * MiB }, cpu_usage: flat(10, 10) }));
    expect(f).toMatchObject({ kind: 'memory_leak', onset: { frames: 11 } });
    // With noise the rise is broken, and the fitted line's crossing of the reference dates it.
    const noisy = values.map((v, i) => v + (i % 2 === 0 ? 1.5 : -1.5) * MiB);
    const g = memoryLeak(agent({ heap_used_bytes: { values: noisy, ref: 22 * MiB, spread: 4.3 * MiB }, cpu_usage: flat(10, 10) }));
    expect(g!.onset!.frames).toBeGreaterThanOrEqual(9);
    expect(g!.onset!.frames).toBeLessThanOrEqual(11);
  });

  it("is found on heap_total when heap_used's GC sawtooth still hides the growth: the committed heap has no sawtooth", () => {
    // heap_used swings 40 MiB around a 100 MiB reference (a wide spread), so 6 frames of a 3 MiB-per-frame leak do not clear it.
    const sawtooth = { values: [105, 135, 95, 125, 110, 140].map((x) => x * MiB), ref: 100 * MiB, spread: 12 * MiB };
    const total = { values: Array.from({ length: 6 }, (_, i) => 160 * MiB + 3.3 * MiB * (i + 1)), ref: 160 * MiB, spread: 0.5 * MiB };
    expect(memoryLeak(agent({ heap_used_bytes: sawtooth, cpu_usage: flat(10, 10) }))).toBeNull();
    const f = memoryLeak(agent({ heap_used_bytes: sawtooth, heap_total_bytes: total, cpu_usage: flat(10, 10) }));
    expect(f).toMatchObject({ kind: 'memory_leak', metric: 'heap_total_bytes' });
    // On heap_total half the share is enough (no sawtooth to outgrow): 7% here, which heap_used would not count.
    const slow = { values: Array.from({ length: 6 }, (_, i) => 160 * MiB + 1.9 * MiB * (i + 1)), ref: 160 * MiB, spread: 0.5 * MiB };
    expect(memoryLeak(agent({ heap_used_bytes: sawtooth, heap_total_bytes: slow, cpu_usage: flat(10, 10) }))).toMatchObject({ metric: 'heap_total_bytes' });
    expect(memoryLeak(agent({ heap_used_bytes: { ...slow, spread: 0.5 * MiB }, cpu_usage: flat(10, 10) }))).toBeNull();
    // A step of the committed heap (V8 grew it once) is not a leak either.
    const grewOnce = { values: [160, 200, 200, 200, 200, 200].map((x) => x * MiB), ref: 160 * MiB, spread: 0.5 * MiB };
    expect(memoryLeak(agent({ heap_used_bytes: sawtooth, heap_total_bytes: grewOnce, cpu_usage: flat(10, 10) }))).toBeNull();
  });

  it('gives the time until the memory limit when memory_usage tells the limit', () => {
    const rss = { values: Array.from({ length: 10 }, (_, i) => 500 * MiB + 10 * MiB * i), ref: 500 * MiB, spread: 2 * MiB };
    const usage = { values: rss.values.map((v) => (100 * v) / (1024 * MiB)), ref: 48.8 };
    const f = memoryLeak(agent({ memory_rss_bytes: rss, memory_usage: usage }, 'process'));
    // (1024 - 590) MiB left at 10 MiB per 15 s.
    expect(Number(f!.facts.time_to_exhaustion_seconds)).toBeCloseTo((434 / 10) * 15, 0);
  });

  it('is not a step (growth that stopped), not noise, not a young reference, not growth that load explains', () => {
    const step = { values: [100, 100, 100, 140, 140, 140, 140, 140, 140, 140].map((x) => x * MiB), ref: 100 * MiB, spread: MiB };
    expect(memoryLeak(agent({ heap_used_bytes: step }))).toBeNull();
    const small = leak(0.2 * MiB, 10);
    expect(memoryLeak(agent({ heap_used_bytes: small }))).toBeNull();
    expect(memoryLeak(agent({ heap_used_bytes: { ...leak(4 * MiB, 10), refSamples: 20 } }))).toBeNull();
    expect(memoryLeak(agent({ heap_used_bytes: leak(4 * MiB, 10), cpu_usage: flat(40, 10) }))).toBeNull();
  });
});

describe('memory_pressure', () => {
  it('is memory near its limit and newly so, or a host short of memory', () => {
    expect(memoryPressure(agent({ memory_usage: flat(96, 60) }))).toMatchObject({ kind: 'memory_pressure', metric: 'memory_usage', severity: 'warning' });
    expect(memoryPressure(agent({ memory_usage: flat(98, 60) }))!.severity).toBe('critical');
    const host = agent({ pressure_memory_some_pct: flat(25, 0.1), memory_available_bytes: flat(2 * 1024 * MiB, 20 * 1024 * MiB), memory_total_bytes: flat(64 * 1024 * MiB, 64 * 1024 * MiB) }, 'host');
    expect(memoryPressure(host)).toMatchObject({ metric: 'pressure_memory_some_pct', facts: { available_share: 0.03125 } });
  });

  it('is not a source that always runs this full', () => {
    expect(memoryPressure(agent({ memory_usage: flat(93, 92) }))).toBeNull();
    expect(memoryPressure(agent({ memory_usage: flat(70, 60) }))).toBeNull();
  });
});

describe('disk_io_saturation and network_saturation', () => {
  it('see a process writing far above its baseline, and a host whose busiest disk is pinned', () => {
    expect(diskIoSaturation(agent({ disk_write_bytes_per_sec: flat(32 * MiB, 20_000), handler_latency_p95_ms: flat(12, 5) }))).toMatchObject({ metric: 'disk_write_bytes_per_sec', confidence: expect.any(Number) });
    expect(diskIoSaturation(agent({ disk_util: flat(99, 5), pressure_io_some_pct: flat(40, 0.5) }, 'host'))).toMatchObject({ metric: 'disk_util', severity: 'critical' });
    expect(diskIoSaturation(agent({ disk_write_bytes_per_sec: flat(1 * MiB, 20_000) }))).toBeNull();
    expect(diskIoSaturation(agent({ disk_util: flat(95, 93) }, 'host'))).toBeNull();
  });

  it('see traffic several times its baseline that CPU does not follow, and not a load increase that raises both', () => {
    expect(networkSaturation(agent({ network_tx_bytes_per_sec: flat(80 * MiB, 4 * MiB), cpu_usage: flat(11, 10), handler_latency_p95_ms: flat(90, 30) }))).toMatchObject({ metric: 'network_tx_bytes_per_sec', facts: { network_ratio: 20 } });
    expect(networkSaturation(agent({ network_tx_bytes_per_sec: flat(16 * MiB, 4 * MiB), cpu_usage: flat(40, 10) }))).toBeNull();
    expect(networkSaturation(agent({ network_rx_bytes_per_sec: flat(500_000, 50_000) }))).toBeNull();
  });
});

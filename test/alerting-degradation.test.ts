import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { waitFor } from './helpers/services.js';
import { collectAlerts, evenly, normalised, replay, type SeenAlert } from './helpers/alert-stream.js';

let t: TestEngine;
let seen: SeenAlert[];

beforeAll(async () => {
  t = await startTestEngine(
    {
      PERF_ENGINE_ALERT_DEGRADATION: JSON.stringify({ min_samples: 150, for_seconds: 60, keep_firing_seconds: 60 }),
      PERF_ENGINE_ALERT_STALE_SECONDS: '3600',
    },
    { collectors: [] },
  );
  seen = collectAlerts(t.nc, t.prefix);
});
afterAll(async () => t?.stop());

/** Deterministic noise in [-1, 1]. */
const noise = (i: number) => {
  const x = Math.sin((i + 1) * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
};

/** 200 samples around 40 ms, 20 around 60 ms (a regression, +50%), 20 back around 40 ms; every 10 s. */
const LATENCY = evenly(
  Array.from({ length: 240 }, (_, i) => (i >= 200 && i < 220 ? 60 : 40) + 1.5 * noise(i)),
  10,
);

describe('degradation alerts through the engine (no threshold configured)', () => {
  it('raise one warning after the hold and resolve it, the same whether replayed fast or at a real-ish pace', async () => {
    const start = Date.now() - 3_600_000;
    await Promise.all([
      replay(t.nc, t.prefix, 'deg-fast', 'handler_latency_p95_ms', start, LATENCY, { batch: 240 }),
      replay(t.nc, t.prefix, 'deg-paced', 'handler_latency_p95_ms', start, LATENCY, { paceMs: 3 }),
    ]);
    await waitFor(() => ['deg-fast', 'deg-paced'].every((s) => seen.some((a) => a.body.source === s && a.body.state === 'resolved')), 20_000);
    const fast = normalised(seen, 'deg-fast');
    expect(fast.map((a) => `${a.subject} ${a.state} ${a.severity} ${a.rule}`)).toEqual(['alert firing warning degradation', 'alert resolved warning degradation']);
    expect(fast[0]).toMatchObject({ started_at: new Date(start + 2_000_000).toISOString(), fired_at: new Date(start + 2_060_000).toISOString() });
    expect(fast[1]).toMatchObject({ resolved_at: new Date(start + 2_200_000).toISOString(), resolve_reason: 'cleared' });
    expect(Math.abs(Number(fast[0]!.baseline) - 40)).toBeLessThan(2);
    expect(String(fast[0]!.message)).toMatch(/baseline/);
    expect(normalised(seen, 'deg-paced')).toEqual(fast);
  });

  it('stay quiet on a noisy series with isolated spikes', async () => {
    const start = Date.now() - 2 * 3_600_000;
    const values = Array.from({ length: 300 }, (_, i) => 50 + 8 * noise(i) + (i % 37 === 0 ? 60 : 0));
    await replay(t.nc, t.prefix, 'spiky', 'cpu_usage', start, evenly(values, 10), { batch: 300 });
    const status = (await t.engine.status()) as { detection: { samples: number } };
    expect(status.detection.samples).toBeGreaterThanOrEqual(300);
    expect(seen.filter((a) => a.body.source === 'spiky')).toEqual([]);
  });
});

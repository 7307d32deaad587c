import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { parseScenarioSpec } from '../src/tools/simulate/scenario-spec.js';
import { runSimulation } from '../src/tools/simulate/simulation.js';
import { collectBottlenecks, type SeenBottleneck } from './helpers/bottleneck-stream.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { NATS_URL, uniqueSchema, waitFor } from './helpers/services.js';

let t: TestEngine;
let seen: SeenBottleneck[];

beforeAll(async () => {
  t = await startTestEngine({ PERF_ENGINE_DIAGNOSE_HOLD_SECONDS: '5', PERF_ENGINE_DIAGNOSE_CLEAR_SECONDS: '5' }, { collectors: [] });
  seen = collectBottlenecks(t.nc, t.prefix);
});
afterAll(async () => t?.stop());

describe('diagnosis of the simulator against its ground truth', () => {
  it('names cpu_saturation on the agent running cpu_hog for 15 s, within two intervals plus the hold of its onset, and nothing on the other agent', { timeout: 120_000 }, async () => {
    const agentPrefix = uniqueSchema('dsim').replace(/_/g, '-');
    const { config } = loadConfig({ env: { NATS_URL, PERF_ENGINE_NATS_SUBJECT_PREFIX: t.prefix, PERF_ENGINE_LOG_LEVEL: 'warn' } });
    const intervalMs = 500;
    const stop = new AbortController();
    const result = await runSimulation(
      { agents: 2, durationS: 40, rate: 60, scenarios: [parseScenarioSpec('cpu_hog@15+15:0')], truthFile: null, agentPrefix, metricsIntervalMs: intervalMs, orders: 1000, agentLogs: false },
      { config, log: () => undefined, stop: stop.signal, force: new AbortController().signal },
    );
    const truth = result.truth.episodes;
    expect(truth.map((e) => `${e.kind} ${e.agent}`)).toEqual([`cpu_saturation ${agentPrefix}-0`]);
    await waitFor(() => seen.some((b) => b.body.update === 'resolved'), 10_000);
    const detected = seen.filter((b) => b.subject === 'detected');
    expect(detected.map((b) => `${b.body.kind} ${b.body.source}`)).toEqual([`cpu_saturation ${agentPrefix}-0`]);
    const lag = Date.parse(String(detected[0]!.body.detected_at)) - Date.parse(truth[0]!.start);
    expect(lag).toBeLessThanOrEqual(2 * intervalMs + 5000 + intervalMs);
    expect(String(detected[0]!.body.summary)).toMatch(/event loop saturated/);
    const resolved = seen.find((b) => b.body.update === 'resolved')!.body;
    expect(resolved.bottleneck_id).toBe(detected[0]!.body.bottleneck_id);
    expect(Math.abs(Date.parse(String(resolved.resolved_at)) - Date.parse(truth[0]!.end))).toBeLessThan(3000);
  });
});

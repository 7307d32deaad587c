import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIRE_SCHEMAS, jsonSchemaDocument } from '../src/wire/catalog.js';
import { listAlerts } from '../src/alert/stage/alert-repo.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { waitFor } from './helpers/services.js';
import { collectAlerts, evenly, normalised, replay, type SeenAlert } from './helpers/alert-stream.js';

let t: TestEngine;
let seen: SeenAlert[];
const ajv = new Ajv2020({ strict: false, validateFormats: false });
for (const w of WIRE_SCHEMAS) ajv.addSchema(jsonSchemaDocument(w.subject, w.schema));

const RULES = {
  cpu_usage: { warning: 75, critical: 90, for_seconds: 30, clear: 70 },
  queue_depth: { critical: 1000, renotify_seconds: 60 },
};

beforeAll(async () => {
  t = await startTestEngine(
    { PERF_ENGINE_ALERT_THRESHOLDS: JSON.stringify(RULES), PERF_ENGINE_ALERT_KEEP_FIRING_SECONDS: '0', PERF_ENGINE_ALERT_STALE_SECONDS: '3600' },
    { collectors: [] },
  );
  seen = collectAlerts(t.nc, t.prefix);
});
afterAll(async () => t?.stop());

/** 10 normal samples, 6 warnings (held 30 s), 6 criticals (escalation held 30 s), 3 in the hysteresis band, 3 normal. */
const CPU = evenly([...Array(10).fill(50), ...Array(6).fill(80), ...Array(6).fill(95), 72, 72, 72, 60, 60, 60], 10);

describe('threshold alerts over NATS, in event time', () => {
  it('fires once after the hold, escalates and de-escalates within the episode, resolves once past the clear level', async () => {
    const start = Date.now() - 3_600_000;
    await replay(t.nc, t.prefix, 'order-agent-1', 'cpu_usage', start, CPU);
    await waitFor(() => seen.some((a) => a.body.source === 'order-agent-1' && a.body.state === 'resolved'));
    const mine = seen.filter((a) => a.body.source === 'order-agent-1');
    expect(mine.map((a) => `${a.subject} ${a.body.state} ${a.body.update ?? ''} ${a.body.severity}`)).toEqual([
      'alert firing  warning',
      'update firing escalated critical',
      'update firing deescalated warning',
      'alert resolved  warning',
    ]);
    const [firing, escalated, deescalated, resolved] = mine.map((a) => a.body);
    expect(new Set(mine.map((a) => a.body.alert_id)).size).toBe(1);
    expect(firing).toMatchObject({ started_at: new Date(start + 100_000).toISOString(), fired_at: new Date(start + 130_000).toISOString(), threshold: 75, value: 80, rule: 'threshold', resolved_at: null });
    expect(escalated).toMatchObject({ previous_severity: 'warning', threshold: 90, value: 95 });
    // With keep_firing_seconds 0 the de-escalation holds 0 s: at the first sample below the critical level.
    expect(deescalated).toMatchObject({ previous_severity: 'critical', threshold: 75, value: 72 });
    // The value is back inside the warning level but the alert holds until the clear level: the message says so.
    expect(firing!.message).toBe('order-agent-1 cpu_usage at 80% above the warning level 75% for 30 s');
    expect(deescalated!.message).toBe('order-agent-1 cpu_usage at 72%, no longer above the warning level 75% but not yet below the clear level 70%, for 2 min');
    expect(resolved).toMatchObject({ resolved_at: new Date(start + 250_000).toISOString(), max_severity: 'critical', resolve_reason: 'cleared', value: 60 });
    for (const a of mine) expect(ajv.validate(a.subject === 'alert' ? 'performance.alert' : 'performance.alert_update', a.body), JSON.stringify(ajv.errors)).toBe(true);
    await waitFor(async () => (await listAlerts(t.engine.agent.db, {})).some((a) => a.source === 'order-agent-1' && a.state === 'resolved'));
    const rows = (await listAlerts(t.engine.agent.db, {})).filter((a) => a.source === 'order-agent-1');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'resolved', severity: 'warning', max_severity: 'critical', notified: true, resolve_reason: 'cleared' });
  });

  it('yields the same alerts when a recorded stream is replayed fast and at a real-ish pace', async () => {
    const start = Date.now() - 2 * 3_600_000;
    await Promise.all([
      replay(t.nc, t.prefix, 'fast-1', 'cpu_usage', start, CPU, { batch: 100 }),
      replay(t.nc, t.prefix, 'paced-1', 'cpu_usage', start, CPU, { paceMs: 40 }),
    ]);
    await waitFor(() => ['fast-1', 'paced-1'].every((s) => seen.some((a) => a.body.source === s && a.body.state === 'resolved')));
    const fast = normalised(seen, 'fast-1');
    expect(fast.length).toBe(4);
    expect(normalised(seen, 'paced-1')).toEqual(fast);
  });

  it('ignores late samples: an old spike arriving after newer samples raises nothing', async () => {
    const start = Date.now() - 3 * 3_600_000;
    await replay(t.nc, t.prefix, 'late-1', 'cpu_usage', start, evenly(Array(10).fill(40), 10));
    await replay(t.nc, t.prefix, 'late-1', 'cpu_usage', start, [[35, 99], [45, 99], [55, 99], [65, 99]]);
    await replay(t.nc, t.prefix, 'late-1', 'cpu_usage', start, [[100, 40]]);
    const status = (await t.engine.status()) as { alerting: { evaluator: { late: number } }; detection: { late: number } };
    expect(status.alerting.evaluator.late).toBeGreaterThanOrEqual(4);
    expect(status.detection.late).toBeGreaterThanOrEqual(4);
    expect(seen.filter((a) => a.body.source === 'late-1')).toEqual([]);
  });

  it('re-notifies a firing alert at renotify_seconds of event time on the update subject', async () => {
    const start = Date.now() - 4 * 3_600_000;
    await replay(t.nc, t.prefix, 'queue-1', 'queue_depth', start, evenly([10, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 10], 30));
    await waitFor(() => seen.some((a) => a.body.source === 'queue-1' && a.body.state === 'resolved'));
    const mine = seen.filter((a) => a.body.source === 'queue-1').map((a) => `${a.subject} ${a.body.update ?? a.body.state}`);
    expect(mine).toEqual(['alert firing', 'update renotify', 'update renotify', 'update renotify', 'alert resolved']);
  });

  it('takes rule changes live: a new rule fires, a removed rule resolves its open alert', async () => {
    const start = Date.now() - 5 * 3_600_000;
    const reply = await t.nc.request(
      `${t.prefix}config.performance_engine_agent.updated`,
      JSON.stringify({ alert_thresholds: { ...RULES, disk_util: { critical: 80 } } }),
      { timeout: 10_000 },
    );
    expect(reply.json()).toMatchObject({ ok: true });
    await replay(t.nc, t.prefix, 'disk-1', 'disk_util', start, evenly([50, 85, 86], 10));
    await waitFor(() => seen.some((a) => a.body.source === 'disk-1' && a.body.state === 'firing'));
    await t.nc.request(`${t.prefix}config.performance_engine_agent.updated`, JSON.stringify({ alert_thresholds: RULES }), { timeout: 10_000 });
    await waitFor(() => seen.some((a) => a.body.source === 'disk-1' && a.body.state === 'resolved'));
    const resolved = seen.find((a) => a.body.source === 'disk-1' && a.body.state === 'resolved')!.body;
    expect(resolved).toMatchObject({ resolve_reason: 'rule_removed', resolved_at: new Date(start + 20_000).toISOString() });
  });
});

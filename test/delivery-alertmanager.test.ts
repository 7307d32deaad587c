import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerInstalled, startAlertmanager, type TestAlertmanager } from './helpers/alertmanager.js';
import { collectAlerts, evenly, replay, type SeenAlert } from './helpers/alert-stream.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.js';
import { waitFor } from './helpers/services.js';

const installed = alertmanagerInstalled();
if (!installed) console.warn('prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager): the Alertmanager delivery test is skipped');

let am: TestAlertmanager;
let hook: HttpReceiver;
let t: TestEngine;
let seen: SeenAlert[];

beforeAll(async () => {
  if (!installed) return;
  am = await startAlertmanager();
  hook = await startHttpReceiver();
  const receivers = [
    { name: 'alertmanager', type: 'alertmanager', url: am.url },
    { name: 'hook', type: 'webhook', url: hook.url, group_wait_seconds: 0, group_interval_seconds: 0, match: { finding: ['alert'] } },
  ];
  t = await startTestEngine(
    {
      PERF_ENGINE_ALERT_THRESHOLDS: JSON.stringify({ cpu_usage: { critical: 90 } }),
      PERF_ENGINE_ALERT_KEEP_FIRING_SECONDS: '0',
      PERF_ENGINE_ALERT_STALE_SECONDS: '3600',
      PERF_ENGINE_DELIVERY_RECEIVERS: JSON.stringify(receivers),
      PERF_ENGINE_DELIVERY_EXTERNAL_URL: 'http://perf-engine.test:9477',
    },
    { collectors: [] },
  );
  seen = collectAlerts(t.nc, t.prefix);
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
  await am?.stop();
});

type HookBody = { alerts: { status: string; labels: Record<string, string> }[] };

describe.skipIf(!installed)('delivery of an alert from the engine to a real Alertmanager and a webhook', () => {
  it('shows the firing alert active in Alertmanager, then resolved; the webhook gets one firing and one resolved', async () => {
    const start = Date.now() - 600_000;
    await replay(t.nc, t.prefix, 'checkout-1', 'cpu_usage', start, evenly([50, 50, 95, 96, 97], 10));
    await waitFor(() => seen.some((a) => a.body.source === 'checkout-1' && a.body.state === 'firing'));
    const id = String(seen.find((a) => a.body.source === 'checkout-1')!.body.alert_id);

    const inAm = async () => (await am.alerts()).filter((a) => a.labels.finding_id === id);
    await waitFor(async () => (await inAm()).some((a) => a.status.state === 'active'), 20_000);
    const [active] = await inAm();
    expect(active!.labels).toMatchObject({ alertname: 'cpu_usage', finding: 'alert', source: 'checkout-1', severity: 'critical', rule: 'threshold' });
    expect(active!.annotations.summary).toContain('checkout-1 cpu_usage at 95');
    expect(Date.parse(active!.startsAt)).toBe(start + 20_000);
    expect(Date.parse(active!.endsAt)).toBeGreaterThan(Date.now());

    await replay(t.nc, t.prefix, 'checkout-1', 'cpu_usage', start, evenly([60, 60], 10, 50));
    await waitFor(() => seen.some((a) => a.body.source === 'checkout-1' && a.body.state === 'resolved'));
    // Resolved: Alertmanager lists it no more, or lists it with its end in the past.
    await waitFor(async () => (await inAm()).every((a) => Date.parse(a.endsAt) <= Date.now()), 20_000);
    await waitFor(() => hook.accepted().length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    const states = (hook.accepted() as HookBody[]).flatMap((b) => b.alerts.filter((a) => a.labels.finding_id === id).map((a) => a.status));
    expect(states).toEqual(['firing', 'resolved']);

    const status = (await (await fetch(`${t.http}/api/v1/status`)).json()) as { delivery: { receivers: Record<string, unknown>[]; dead_letters: number } };
    expect(status.delivery.dead_letters).toBe(0);
    expect(status.delivery.receivers.map((r) => [r.name, r.sent, r.open])).toEqual([
      ['alertmanager', 2, 0],
      ['hook', 2, 0],
    ]);
    expect(status.delivery.receivers[1]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\*\*\*$/);
  });
});

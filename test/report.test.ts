import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/report-schema.js';
import { syntheticStream } from '../src/tools/simulate/synthetic/synthetic-stream.js';
import { WIRE_SCHEMAS, jsonSchemaDocument } from '../src/wire/catalog.js';
import { collectAlerts, evenly, replay, type SeenAlert } from './helpers/alert-stream.js';
import { collectBottlenecks, replaySnapshots, type SeenBottleneck } from './helpers/bottleneck-stream.js';
import { runCli } from './helpers/cli.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { PG_URL, waitFor } from './helpers/services.js';

let t: TestEngine;
let alerts: SeenAlert[];
let bottlenecks: SeenBottleneck[];
const ready: Record<string, unknown>[] = [];
const CPU = evenly([...Array(10).fill(50), ...Array(8).fill(95), ...Array(4).fill(50)], 10);

beforeAll(async () => {
  t = await startTestEngine(
    {
      PERF_ENGINE_ALERT_THRESHOLDS: JSON.stringify({ cpu_usage: { critical: 90, for_seconds: 20, clear: 70 } }),
      PERF_ENGINE_ALERT_KEEP_FIRING_SECONDS: '0',
      PERF_ENGINE_ALERT_STALE_SECONDS: '3600',
      PERF_ENGINE_DIAGNOSE_STALE_SECONDS: '3600',
      PERF_ENGINE_STORE_FLUSH_INTERVAL_MS: '2',
      PERF_ENGINE_REPORT_SCHEDULE: '* * * * * *',
      PERF_ENGINE_REPORT_PERIOD: '8h',
      PERF_ENGINE_REPORT_FORMATS: '["html","json"]',
    },
    { collectors: [] },
  );
  alerts = collectAlerts(t.nc, t.prefix);
  bottlenecks = collectBottlenecks(t.nc, t.prefix);
  t.nc.subscribe(`${t.prefix}performance.report_ready`, { callback: (_e, m) => void ready.push(m.json<Record<string, unknown>>()) });
  const stream = syntheticStream({ seed: 8, start: Date.now() - 6 * 3_600_000, durationMs: 3 * 3_600_000, agents: 2, hosts: 1, warmupMs: 2 * 3_600_000, episodeMs: [30 * 60_000, 30 * 60_000], kinds: ['cpu_saturation'] });
  await replaySnapshots(t.nc, t.prefix, [...stream.snapshots()]);
  await replay(t.nc, t.prefix, 'order-agent-1', 'cpu_usage', Date.now() - 3_600_000, CPU);
  await waitFor(() => alerts.some((a) => a.body.source === 'order-agent-1' && a.body.state === 'resolved'), 20_000);
  await waitFor(() => bottlenecks.some((b) => b.subject === 'detected'), 20_000);
  await t.engine.diagnosis!.flushed();
  // Charts are read as query_range reads them: a new stream or metric set is found once the tier
  // writer has recorded it (at once, but asynchronously).
  await waitFor(async () => {
    const body = (await (await fetch(`${t.http}/api/v1/query_range?source=order-agent-1&metric=cpu_usage&start=8h&step=15m`)).json()) as { series: unknown[] };
    return body.series.length > 0;
  }, 10_000, 50);
}, 120_000);
afterAll(async () => t?.stop());

async function report(query: string): Promise<Report> {
  const res = await fetch(`${t.http}/api/v1/report?${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { report: Report }).report;
}

describe('reports from a real engine', () => {
  it('contain the alerts and bottlenecks the engine produced, marked on the charts of their metric', async () => {
    await t.engine.anomalyLog!.flush();
    const r = await report('since=8h&format=json');
    const alert = alerts.find((a) => a.body.source === 'order-agent-1')!.body;
    const detected = bottlenecks.find((b) => b.subject === 'detected')!.body;
    expect(r.alerts.map((a) => a.alert_id)).toContain(alert.alert_id);
    expect(r.bottlenecks.map((b) => b.bottleneck_id)).toContain(detected.bottleneck_id);
    const chart = r.charts.find((c) => c.source === 'order-agent-1' && c.metric === 'cpu_usage')!;
    // The replayed values come back decoded: 50 at rest, 95 at the peak, the mean in between.
    expect(Math.min(...chart.points.map((p) => p[1]))).toBe(50);
    expect(Math.max(...chart.points.map((p) => p[3]))).toBe(95);
    expect(chart.points.every(([, lo, mean, hi]) => lo <= mean && mean <= hi)).toBe(true);
    expect(chart.marks).toContainEqual(expect.objectContaining({ kind: 'alert', id: alert.alert_id, severity: 'critical' }));
    // The anomalies the engine's detector flagged and stored are marked on the charts of their series.
    const stored = ((await (await fetch(`${t.http}/api/v1/anomalies?start=8h&limit=5000`)).json()) as { anomalies: { source: string; metric: string; timestamp: string }[] }).anomalies;
    for (const c of r.charts) {
      expect(c.marks.filter((m) => m.kind === 'anomaly').map((m) => m.from), `${c.source} ${c.metric}`).toEqual(stored.filter((a) => a.source === c.source && a.metric === c.metric).map((a) => a.timestamp));
    }
    expect(r.charts.flatMap((c) => c.marks).filter((m) => m.kind === 'anomaly').length).toBeGreaterThan(0);
    const b = r.bottlenecks.find((x) => x.bottleneck_id === detected.bottleneck_id)!;
    expect(b.recommendations.length).toBeGreaterThan(0);
    expect(r.sources.map((s) => s.source)).toEqual(expect.arrayContaining(['order-agent-1', String(detected.source)]));
    // The optimization loop proposed from the opened bottlenecks: the report lists those proposals.
    expect(r.optimizations.available).toBe(true);
    expect(r.optimizations.items.length).toBeGreaterThan(0);
    expect(r.optimizations.items.every((o) => o.status === 'proposed')).toBe(true);
  });

  it('filter by source and render as HTML with no external asset', async () => {
    const r = await report('since=8h&source=order-agent-1');
    expect(r.sources.map((s) => s.source)).toEqual(['order-agent-1']);
    expect(r.bottlenecks.every((b) => b.source === 'order-agent-1')).toBe(true);
    const res = await fetch(`${t.http}/api/v1/report?since=8h&format=html`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('order-agent-1');
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
  });

  it('are made on schedule: stored, listed, downloadable and announced on performance.report_ready', async () => {
    // Every second a report fires; the ones made while data was still arriving are older.
    const before = ready.length;
    await waitFor(() => ready.length > before, 15_000);
    const msg = ready[ready.length - 1]!;
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const w = WIRE_SCHEMAS.find((x) => x.subject === 'performance.report_ready')!;
    expect(ajv.validate(jsonSchemaDocument(w.subject, w.schema), msg), ajv.errorsText()).toBe(true);
    expect(msg.formats).toEqual(['html', 'json']);
    const list = (await (await fetch(`${t.http}/api/v1/reports`)).json()) as { reports: { report_id: string; trigger: string }[] };
    expect(list.reports).toContainEqual(expect.objectContaining({ report_id: msg.report_id, trigger: 'schedule' }));
    const html = await fetch(`${t.http}${(msg.paths as Record<string, string>).html}`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('Performance report');
    const json = (await (await fetch(`${t.http}/api/v1/reports/${String(msg.report_id)}?format=json`)).json()) as { report: Report };
    expect(json.report.alerts.length).toBeGreaterThan(0);
    expect((await fetch(`${t.http}/api/v1/reports/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('come from the CLI on the same store', async () => {
    const r = await runCli(['report', '--since', '8h', '--source', 'order-agent-1', '--format', 'md'], { ...process.env, DATABASE_URL: PG_URL, PERF_ENGINE_DATABASE_SCHEMA: t.schema });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('## Health per source');
    expect(r.stdout).toMatch(/\| order-agent-1 \|/);
  }, 100_000);
});

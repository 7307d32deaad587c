import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino, type Logger } from 'pino';
import { AlertingStage, type AlertingSettings } from '../src/alert/stage/alerting-stage.js';
import type { NotificationSink } from '../src/alert/notification-queue.js';
import { DEGRADATION_DEFAULTS } from '../src/config/schema.js';
import type { DetectionEvents } from '../src/detect/stream/detection-events.js';
import { DiagnosisStage } from '../src/diagnose/stage/diagnosis-stage.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { Db } from '../src/store/db.js';
import { testDatabase } from './helpers/services.js';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ db, drop } = await testDatabase());
});
afterAll(async () => drop());

/** A logger at info whose lines are kept, parsed, for the test to read. */
function capturedLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

const sink: NotificationSink = { publish: () => {}, connected: () => true };
const T0 = Date.UTC(2026, 10, 23, 10);

describe('findings in the log', () => {
  it('logs one info line per alert firing, escalation, de-escalation and resolution, with source, metric, severity, id and message', async () => {
    const { log, lines } = capturedLogger();
    const settings: AlertingSettings = {
      thresholds: { cpu_usage: { warning: 75, critical: 90 } },
      keepFiringSeconds: 0,
      staleSeconds: 3600,
      degradation: { ...DEGRADATION_DEFAULTS, enabled: false },
      queueMax: 100,
      retentionDays: 90,
    };
    const stage = new AlertingStage(db, sink, null, log, () => settings);
    const values = [50, 80, 80, 95, 95, 80, 60, 60];
    stage.ingest(values.map((v, i) => ({ source: 'log-agent-1', timestamp: T0 + i * 10_000, metrics: { cpu_usage: v } })));
    await stage.flushed();
    const mine = lines.filter((l) => l.source === 'log-agent-1');
    expect(mine.map((l) => [l.level, l.msg?.toString().split(':')[0], l.severity])).toEqual([
      [30, 'alert fired', 'warning'],
      [30, 'alert escalated', 'critical'],
      [30, 'alert deescalated', 'warning'],
      [30, 'alert resolved', 'warning'],
    ]);
    const ids = new Set(mine.map((l) => l.alert_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
    for (const l of mine) expect(l).toMatchObject({ metric: 'cpu_usage', rule: 'threshold' });
    expect(mine[0]!.msg).toMatch(/^alert fired: log-agent-1 cpu_usage at 80/);
    expect(mine[1]).toMatchObject({ previous_severity: 'warning' });
    expect(mine[3]).toMatchObject({ resolve_reason: 'cleared' });
    expect(mine[3]!.msg).toMatch(/^alert resolved: log-agent-1 cpu_usage resolved after/);
  });

  it('logs one info line per bottleneck opening, escalation and resolution, with source, kind, metric, severity, id and summary', async () => {
    const { log, lines } = capturedLogger();
    const detection: DetectionEvents = { onAnomaly: () => () => {}, follow: () => () => {}, detail: () => null, metricsOf: () => [] };
    const settings = { enabled: true, holdMs: 30_000, holdSamples: 3, clearMs: 60_000, staleMs: 300_000, updateIntervalMs: 300_000 };
    const stage = new DiagnosisStage(db, sink, detection, log, () => settings);
    stage.ingest(hogStream('log-agent-2'));
    await stage.flushed();
    const mine = lines.filter((l) => l.source === 'log-agent-2');
    expect(mine.map((l) => [l.level, String(l.msg).split(':')[0], l.kind, l.severity])).toEqual([
      [30, 'bottleneck opened', 'cpu_saturation', 'warning'],
      [30, 'bottleneck escalated', 'cpu_saturation', 'critical'],
      [30, 'bottleneck resolved', 'cpu_saturation', 'critical'],
    ]);
    expect(new Set(mine.map((l) => l.bottleneck_id)).size).toBe(1);
    expect(mine[0]!.msg).toMatch(/^bottleneck opened: log-agent-2 event loop saturated/);
    expect(mine[0]).toMatchObject({ metric: 'event_loop_utilization' });
    expect(mine[1]).toMatchObject({ previous_severity: 'warning' });
    expect(mine[2]).toMatchObject({ resolve_reason: 'cleared' });
  });
});

/** Deterministic noise in [-1, 1]. */
const noise = (i: number) => {
  const x = Math.sin((i + 1) * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
};

/** An agent every 10 s: 60 normal frames, 15 with a busy loop (warning), 15 saturated with queueing (critical), 20 normal. */
function hogStream(source: string): MetricSnapshot[] {
  return Array.from({ length: 110 }, (_, i) => {
    const n = noise(i);
    const phase = i >= 60 && i < 75 ? 'busy' : i >= 75 && i < 90 ? 'saturated' : 'normal';
    return {
      source,
      host: 'node-7',
      timestamp: T0 + i * 10_000,
      metrics: {
        cpu_usage: phase === 'normal' ? 6 + 0.5 * n : 25 + n,
        event_loop_utilization: phase === 'normal' ? 0.25 + 0.02 * n : phase === 'busy' ? 0.93 + 0.01 * n : 0.99,
        event_loop_delay_p99_ms: 3 + n,
        handler_latency_p95_ms: phase === 'normal' ? 40 + 3 * n : phase === 'busy' ? 70 + 3 * n : 400 + 50 * n,
        queue_depth: phase === 'saturated' ? 60 : 0.5,
      },
    };
  });
}

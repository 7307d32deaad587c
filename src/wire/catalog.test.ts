import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { WIRE_SCHEMAS, jsonSchemaDocument } from './catalog.js';

describe('exported JSON Schemas', () => {
  it('match the committed files in schemas/ (run `perf-engine schemas` after changing a schema)', () => {
    for (const w of WIRE_SCHEMAS) {
      const committed = JSON.parse(readFileSync(`schemas/${w.subject}.schema.json`, 'utf8')) as unknown;
      expect(committed).toEqual(jsonSchemaDocument(w.subject, w.schema));
    }
  });

  it('compile as JSON Schema 2020-12 and accept the PROTOCOL.md examples', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const w of WIRE_SCHEMAS) ajv.addSchema(jsonSchemaDocument(w.subject, w.schema));
    const check = (subject: string, value: unknown) => ajv.validate(subject, value);
    expect(
      check('monitoring.realtime_metrics', {
        source: 'order-agent-1',
        host: 'node-7',
        timestamp: '2026-11-23T10:00:00.000Z',
        metrics: { cpu_usage: 93.5 },
        labels: { region: 'eu-west' },
        health: 'healthy',
      }),
    ).toBe(true);
    expect(check('orchestrator.profile_request', { request_id: 'r-123', target: { agent_id: 'order-agent-1' }, kind: 'cpu', duration_seconds: 10, sampling_interval_us: 1000 })).toBe(true);
    expect(check('orchestrator.profile_request', { target: { pid: 4242, agent_id: 'x' } })).toBe(false);
    expect(check('config.performance_engine_agent.updated', { monitoring_interval_seconds: 10, alert_thresholds: { cpu_usage: { warning: 75, critical: 90 } } })).toBe(true);
    expect(check('config.performance_engine_agent.updated', { http_port: 1 })).toBe(false);
    expect(
      check('performance.alert', {
        alert_id: '0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11',
        state: 'firing',
        severity: 'critical',
        source: 'order-agent-1',
        metric: 'cpu_usage',
        value: 97.2,
        threshold: 90,
        started_at: '2026-11-23T10:00:00.000Z',
        resolved_at: null,
        message: 'cpu high',
      }),
    ).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { RECEIVER_TYPES } from '../model/delivery.js';
import { SUBJECTS } from '../wire/subjects.js';
import { alertmanagerAlerts } from './alertmanager-format.js';
import { noticeFromMessage } from './from-wire.js';
import { installedFormats } from './install.js';
import type { Notice } from './notice.js';
import type { EncodeContext } from './receiver-format.js';
import { slackBody } from './slack-format.js';
import { webhookBody } from './webhook-format.js';

const AID = '11111111-2222-4333-8444-555555555555';
const BID = '66666666-7777-4888-9999-000000000000';
const OID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const NOW = Date.parse('2026-11-25T10:10:00.000Z');

const alertBody = (over: Record<string, unknown> = {}) => ({
  alert_id: AID,
  state: 'firing',
  severity: 'warning',
  source: 'order-agent-1',
  metric: 'cpu_usage',
  value: 80,
  threshold: 75,
  started_at: '2026-11-25T10:00:00.000Z',
  fired_at: '2026-11-25T10:00:30.000Z',
  resolved_at: null,
  message: 'order-agent-1 cpu_usage at 80 above the warning level 75 for 30s',
  rule: 'threshold',
  ...over,
});

const ctx = (open: ReadonlyMap<string, Notice> = new Map()): EncodeContext => ({
  receiver: 'ops',
  externalUrl: 'http://engine:9477',
  now: NOW,
  resendMs: 60_000,
  open,
  groupKey: 'ops:["alert","order-agent-1"]',
  groupLabels: { finding: 'alert', source: 'order-agent-1' },
});

const firing = noticeFromMessage(SUBJECTS.alert, alertBody(), 1)!;
const escalated = noticeFromMessage(SUBJECTS.alertUpdate, alertBody({ severity: 'critical', value: 95, threshold: 90, update: 'escalated', previous_severity: 'warning' }), 2)!;
const resolved = noticeFromMessage(SUBJECTS.alert, alertBody({ state: 'resolved', severity: 'critical', resolved_at: '2026-11-25T10:05:00.000Z', resolve_reason: 'cleared' }), 3)!;

describe('notices from the wire messages', () => {
  it('keys a firing alert and its resolution once each, updates apart', () => {
    expect([firing.key, resolved.key]).toEqual([`${AID}|firing`, `${AID}|resolved`]);
    expect(escalated).toMatchObject({ event: 'escalated', state: 'firing', severity: 'critical', key: `${AID}|escalated|2` });
    expect(firing).toMatchObject({ finding: 'alert', kind: 'cpu_usage', startsAt: '2026-11-25T10:00:30.000Z', endsAt: null, lasting: true });
    expect(resolved).toMatchObject({ state: 'resolved', endsAt: '2026-11-25T10:05:00.000Z' });
  });

  it('delivers bottleneck openings, escalations and resolutions, not evidence updates', () => {
    const b = { bottleneck_id: BID, detected_at: '2026-11-25T10:01:00.000Z', started_at: '2026-11-25T10:00:30.000Z', source: 'db-1', host: 'h1', kind: 'slow_db_query', severity: 'warning', metric: 'db_query_p95_ms', summary: 'slow queries', evidence: {}, recommendations: [{ action: 'create_index', params: {}, rationale: 'index orders(customer_id)' }] };
    const opened = noticeFromMessage(SUBJECTS.bottleneckDetected, b, 0)!;
    expect(opened).toMatchObject({ finding: 'bottleneck', event: 'firing', host: 'h1', kind: 'slow_db_query', startsAt: '2026-11-25T10:00:30.000Z', link: `/api/v1/bottlenecks/${BID}` });
    expect(opened.description).toContain('index orders(customer_id)');
    const update = { ...b, status: 'active', updated_at: '2026-11-25T10:03:00.000Z' };
    expect(noticeFromMessage(SUBJECTS.bottleneckUpdated, { ...update, update: 'evidence' }, 0)).toBeNull();
    expect(noticeFromMessage(SUBJECTS.bottleneckUpdated, { ...update, update: 'related' }, 0)).toBeNull();
    const done = noticeFromMessage(SUBJECTS.bottleneckUpdated, { ...update, update: 'resolved', status: 'resolved', resolved_at: '2026-11-25T10:04:00.000Z' }, 0)!;
    expect(done).toMatchObject({ event: 'resolved', state: 'resolved', endsAt: '2026-11-25T10:04:00.000Z', key: `${BID}|resolved` });
  });

  it('delivers optimization verdicts as one-shot notices, not the steps before them', () => {
    const o = { optimization_id: OID, bottleneck_id: BID, action: 'create_index', status: 'regressed', at: '2026-11-25T11:00:00.000Z', source: 'db-1', impact: { metric: 'db_query_p95_ms', before: { p50: 1, p95: 40 }, after: { p50: 1, p95: 60 }, change_pct: 50, significant: true } };
    const n = noticeFromMessage(SUBJECTS.optimizationStatus, o, 0)!;
    expect(n).toMatchObject({ finding: 'optimization', event: 'verdict', severity: 'warning', lasting: false, kind: 'create_index', key: `${OID}|regressed`, labels: { status: 'regressed' } });
    expect(n.summary).toBe('create_index on db-1 regressed: p95 of db_query_p95_ms 40 -> 60 (50%, significant)');
    expect(noticeFromMessage(SUBJECTS.optimizationStatus, { ...o, status: 'verified' }, 0)).toMatchObject({ severity: 'info' });
    expect(noticeFromMessage(SUBJECTS.optimizationStatus, { ...o, status: 'applied' }, 0)).toBeNull();
    expect(noticeFromMessage(SUBJECTS.metrics, o, 0)).toBeNull();
  });
});

describe('Alertmanager v2 alerts', () => {
  it('posts a firing alert with labels, annotations and an end four resend intervals ahead', () => {
    const [a] = alertmanagerAlerts([firing], ctx());
    expect(a).toEqual({
      labels: { alertname: 'cpu_usage', finding: 'alert', source: 'order-agent-1', severity: 'warning', finding_id: AID, rule: 'threshold' },
      annotations: { summary: firing.summary, description: firing.description },
      startsAt: '2026-11-25T10:00:30.000Z',
      endsAt: '2026-11-25T10:14:00.000Z',
      generatorURL: 'http://engine:9477/api/v1/alerts',
    });
  });

  it('posts a resolution with its end time', () => {
    expect(alertmanagerAlerts([resolved], ctx())[0]!.endsAt).toBe('2026-11-25T10:05:00.000Z');
  });

  it('ends the alert of the old severity when an escalation changes the labels', () => {
    const out = alertmanagerAlerts([escalated], ctx(new Map([[AID, firing]])));
    expect(out.map((a) => [a.labels.severity, a.endsAt])).toEqual([
      ['warning', '2026-11-25T10:10:00.000Z'],
      ['critical', '2026-11-25T10:14:00.000Z'],
    ]);
    const inOneBatch = alertmanagerAlerts([firing, escalated, resolved], ctx());
    expect(inOneBatch.map((a) => [a.labels.severity, a.endsAt])).toEqual([
      ['warning', '2026-11-25T10:14:00.000Z'],
      ['warning', '2026-11-25T10:10:00.000Z'],
      ['critical', '2026-11-25T10:14:00.000Z'],
      ['critical', '2026-11-25T10:05:00.000Z'],
    ]);
  });
});

describe('webhook and Slack bodies', () => {
  it('sends one group in the shape of an Alertmanager webhook, each alert carrying its wire message', () => {
    const body = webhookBody([firing, resolved], ctx());
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'ops',
      groupLabels: { finding: 'alert', source: 'order-agent-1' },
      commonLabels: { alertname: 'cpu_usage', finding: 'alert', source: 'order-agent-1', finding_id: AID, rule: 'threshold' },
      externalURL: 'http://engine:9477',
    });
    const alerts = body.alerts as Record<string, unknown>[];
    expect(alerts.map((a) => [a.status, a.event, a.endsAt])).toEqual([
      ['firing', 'firing', '0001-01-01T00:00:00Z'],
      ['resolved', 'resolved', '2026-11-25T10:05:00.000Z'],
    ]);
    expect(alerts[0]!.finding).toEqual(alertBody());
    expect(webhookBody([resolved], ctx()).status).toBe('resolved');
  });

  it('builds a Slack message with fallback text and escaped blocks, never more than 50 blocks', () => {
    const odd = noticeFromMessage(SUBJECTS.alert, alertBody({ message: 'a <b> & c' }), 0)!;
    const body = slackBody([odd, resolved], ctx());
    expect(body.text).toBe('[FIRING:1] cpu_usage on order-agent-1 (+1 more)');
    const blocks = body.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(blocks[1]!.text!.text).toContain('a &lt;b&gt; &amp; c');
    expect(blocks[1]!.text!.text).toContain('<http://engine:9477/api/v1/alerts|details>');
    expect(slackBody([resolved], ctx()).text).toBe('[RESOLVED:1] cpu_usage on order-agent-1');
    const many = Array.from({ length: 80 }, () => firing);
    expect((slackBody(many, ctx()).blocks as unknown[]).length).toBeLessThanOrEqual(50);
  });

  it('has a format installed for every receiver type', () => {
    const formats = installedFormats();
    expect(formats.types().sort()).toEqual([...RECEIVER_TYPES].sort());
    expect(formats.get('alertmanager').keepsAlive).toBe(true);
  });
});

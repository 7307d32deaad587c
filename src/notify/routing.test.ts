import { describe, expect, it } from 'vitest';
import { SUBJECTS } from '../wire/subjects.js';
import { noticeFromMessage } from './from-wire.js';
import type { Notice } from './notice.js';
import { compileMatch, routeNotice } from './routing.js';

const ID = '0b7f3f4e-5a51-4c1e-9d2a-6f1c2b3a4d5e';

/** An alert notice of `source`/`metric` at `severity`. */
function alert(source: string, metric: string, severity: 'warning' | 'critical', state: 'firing' | 'resolved' = 'firing'): Notice {
  const body = {
    alert_id: ID,
    state,
    severity,
    source,
    metric,
    value: 95,
    threshold: 90,
    started_at: '2026-11-25T10:00:00.000Z',
    resolved_at: state === 'resolved' ? '2026-11-25T10:05:00.000Z' : null,
    message: `${source} ${metric} at 95`,
    rule: 'threshold',
  };
  return noticeFromMessage(SUBJECTS.alert, body, 0)!;
}

function bottleneck(source: string, kind: string): Notice {
  const body = { bottleneck_id: ID, detected_at: '2026-11-25T10:00:00.000Z', source, kind, severity: 'critical', metric: null, summary: 's', evidence: {}, recommendations: [] };
  return noticeFromMessage(SUBJECTS.bottleneckDetected, body, 0)!;
}

describe('routing by severity, source, kind and finding', () => {
  it('takes every notice when match is absent or empty', () => {
    expect(compileMatch(undefined)(alert('a', 'cpu_usage', 'warning'))).toBe(true);
    expect(compileMatch({})(bottleneck('b', 'gc_pressure'))).toBe(true);
  });

  it('needs every given field to match, any entry of a list', () => {
    const m = compileMatch({ severity: ['critical'], source: ['order-*', 'pay-?'], kind: 'cpu_*', finding: ['alert'] });
    expect(m(alert('order-agent-1', 'cpu_usage', 'critical'))).toBe(true);
    expect(m(alert('pay-1', 'cpu_steal', 'critical'))).toBe(true);
    expect(m(alert('order-agent-1', 'cpu_usage', 'warning'))).toBe(false);
    expect(m(alert('pay-12', 'cpu_usage', 'critical'))).toBe(false);
    expect(m(alert('order-agent-1', 'memory_rss', 'critical'))).toBe(false);
    expect(m(bottleneck('order-agent-1', 'cpu_saturation'))).toBe(false);
  });

  it('matches the kind of a bottleneck and the metric of an alert with the same glob', () => {
    const m = compileMatch({ kind: ['memory_*'] });
    expect(m(bottleneck('x', 'memory_leak'))).toBe(true);
    expect(m(alert('x', 'memory_rss_bytes', 'warning'))).toBe(true);
    expect(m(bottleneck('x', 'gc_pressure'))).toBe(false);
  });

  it('names the receivers a notice goes to, in configuration order', () => {
    const routes = [
      { name: 'pager', accepts: compileMatch({ severity: ['critical'] }) },
      { name: 'team-order', accepts: compileMatch({ source: 'order-*' }) },
      { name: 'all', accepts: compileMatch(undefined) },
    ];
    expect(routeNotice(routes, alert('order-1', 'cpu_usage', 'critical'))).toEqual(['pager', 'team-order', 'all']);
    expect(routeNotice(routes, alert('pay-1', 'cpu_usage', 'warning'))).toEqual(['all']);
  });
});

import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { fixtureReport } from './report-fixture.js';
import { capacityOf } from './report-build.js';
import { renderReport } from './render-report.js';
import { ReportSchema } from './report-schema.js';

function validator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  (formats as unknown as { default: (a: Ajv) => Ajv }).default(ajv);
  return ajv.compile(ReportSchema);
}

describe('report document', () => {
  it('JSON validates against the exported schema, with and without optimizations', () => {
    const validate = validator();
    for (const r of [fixtureReport(), fixtureReport({ optimizations: [{ optimization_id: 'o-1', bottleneck_id: 'b-1', source: 'api-1', action: 'raise_pool', status: 'verified', verdict: 'verified', metric: 'p95_ms', before: 120, after: 80, change_pct: -33.3, applied_at: '2026-12-05T10:00:00.000Z' }] })]) {
      const ok = validate(JSON.parse(renderReport(r, 'json')));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('ranks sources worst first: a firing critical alert is critical, a source unheard for hours is silent', () => {
    const r = fixtureReport();
    expect(r.sources.map((s) => [s.source, s.health])).toEqual([['api-1', 'critical'], ['worker-1', 'silent']]);
  });

  it('marks alerts and bottlenecks on the charts of their metric', () => {
    const r = fixtureReport();
    const cpu = r.charts.find((c) => c.metric === 'cpu_usage')!;
    const mem = r.charts.find((c) => c.metric === 'memory_usage')!;
    expect(cpu.marks.map((m) => m.kind)).toEqual(['alert']);
    expect(mem.marks.map((m) => m.kind)).toEqual(['bottleneck']);
  });

  it('marks flagged samples (anomalies) on the chart of their series, as triangles in the HTML', () => {
    const cpu0 = fixtureReport().charts.find((c) => c.metric === 'cpu_usage')!;
    const at = new Date(cpu0.points[1]![0]).toISOString();
    const r = fixtureReport({ anomalies: [{ source: cpu0.source, metric: 'cpu_usage', timestamp: at, score: 0.97, direction: 'above' }, { source: 'elsewhere', metric: 'cpu_usage', timestamp: at, score: 0.99, direction: null }] });
    const cpu = r.charts.find((c) => c.metric === 'cpu_usage')!;
    expect(cpu.marks.filter((m) => m.kind === 'anomaly')).toEqual([{ kind: 'anomaly', id: `cpu_usage@${at}`, severity: 'info', from: at, to: at, label: 'anomaly 0.97 above' }]);
    expect(r.charts.flatMap((c) => c.marks).filter((m) => m.kind === 'anomaly')).toHaveLength(1);
    expect(renderReport(r, 'html').match(/class="anomaly"/g)).toHaveLength(1);
    const validate = validator();
    expect(validate(JSON.parse(renderReport(r, 'json')))).toBe(true);
  });

  it('projects a steady climb to its limit and leaves a flat series unprojected', () => {
    const r = fixtureReport();
    const mem = r.capacity.find((c) => c.metric === 'memory_usage')!;
    // 40 + 1.5 × 23 = 74.5 at the last bucket: 25.5 to go at 1.5 per hour = 17 h.
    expect(mem.time_to_limit_s! / 3600).toBeCloseTo(17, 5);
    expect(r.capacity.find((c) => c.metric === 'cpu_usage')!.time_to_limit_s).toBeNull();
    expect(capacityOf({ source: 'a', metric: 'requests_per_sec', step_ms: 1, points: [] })).toBeNull();
  });
});

describe('Markdown report', () => {
  it('has every section, and says "none yet" for optimizations before the loop exists', () => {
    const md = renderReport(fixtureReport(), 'md');
    for (const h of ['# Performance report', '## Summary', '## Health per source', '## Alerts', '## Top bottlenecks', '## Profiles', '## Optimizations', '## Capacity outlook']) expect(md).toContain(h);
    expect(md).toContain('None yet');
    expect(md).toContain('| parseJson | file:///app/lib.js:12 | 41.50 | 60 |');
    expect(md).toContain('restart_before_exhaustion');
    expect(md).toMatch(/\| api-1 \| memory_usage \| 74\.50 \| 100 \| 1\.50 \| 1 \| 17 h \|/);
  });
});

describe('HTML report', () => {
  const html = renderReport(fixtureReport(), 'html');

  it('is self-contained: no script, no external stylesheet or image, no http(s) in src or href', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(/i);
  });

  it('escapes what it shows and embeds charts with their marks, the flame graph and print rules', () => {
    expect(html).toContain('&lt;script&gt;');
    expect(html.match(/<svg /g)!.length).toBe(3);
    expect(html).toMatch(/class="mark"[^>]*fill="#d62728"/);
    expect(html).toContain('@media print');
    expect(html).toContain('None yet');
  });
});

describe('schemas/report.schema.json', () => {
  it('is the exported schema of the report document (run `perf-engine schemas` after changing it)', async () => {
    const { readFileSync } = await import('node:fs');
    const committed = JSON.parse(readFileSync('schemas/report.schema.json', 'utf8')) as Record<string, unknown>;
    expect({ ...committed, $schema: undefined, title: undefined }).toEqual({ ...JSON.parse(JSON.stringify(ReportSchema)), $schema: undefined, title: undefined });
  });
});

describe('bottleneck follow-up', () => {
  it('lists the optimizations tried for a bottleneck with their change, then how it ended', () => {
    const r = fixtureReport({ optimizations: [{ optimization_id: 'o-1', bottleneck_id: 'b-1', source: 'api-1', action: 'restart_before_exhaustion', status: 'verified', verdict: 'verified', metric: 'memory_usage', before: 80, after: 40, change_pct: -50, applied_at: '2026-12-05T08:00:00.000Z' }] });
    expect(r.bottlenecks[0]!.done).toEqual(['restart_before_exhaustion verified (memory_usage -50.0 %)', 'resolved: recovered']);
    expect(renderReport(r, 'html')).toContain('restart_before_exhaustion verified');
  });
});

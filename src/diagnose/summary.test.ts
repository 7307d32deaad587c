import { describe, expect, it } from 'vitest';
import type { Finding } from './finding.js';
import { formatValue, summarize } from './summary.js';

describe('summaries a person can act on', () => {
  const f: Finding = {
    kind: 'slow_db_query',
    metric: 'db_query_p95_ms',
    confidence: 0.9,
    severity: 'critical',
    metrics: {
      db_query_p95_ms: { value: 250, baseline: 5, ratio: 50 },
      handler_latency_p95_ms: { value: 420, baseline: 40, ratio: 10.5 },
      cpu_usage: { value: 10, baseline: 10, ratio: 1 },
    },
    facts: { db_ratio: 50 },
  };

  it('format values in their unit and durations in words', () => {
    expect(formatValue('handler_latency_p95_ms', 420)).toBe('420 ms');
    expect(formatValue('cpu_usage', 97.24)).toBe('97.2%');
    expect(formatValue('disk_write_bytes_per_sec', 32 * 1024 * 1024)).toBe('32 MiB/s');
    expect(formatValue('heap_used_bytes', 1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatValue('event_loop_utilization', 0.981)).toBe('0.98');
  });

  it('say what, how much, for how long, then what moved with it, then who else is involved', () => {
    expect(summarize('order-agent-1', f, 45, { related: ['order-agent-2'] })).toBe(
      'order-agent-1 query p95 at 250 ms for 45 s, 50x its baseline; handler p95 420 ms (baseline 40 ms); also seen on order-agent-2',
    );
  });

  it('say when it was worst, and end a resolved one with a separate sentence on how it ended', () => {
    const at = Date.UTC(2026, 10, 25, 18, 25, 3, 640);
    const resolved = { at: at + 90_000, reason: 'cleared' as const, after: { value: 1.65, baseline: 1.72, ratio: 0.96 } };
    expect(summarize('order-agent-1', f, 90, { peakAt: at, resolution: resolved })).toBe(
      'order-agent-1 query p95 at 250 ms for 90 s, 50x its baseline; worst at 2026-11-25T18:25:03Z; handler p95 420 ms (baseline 40 ms). ' +
        'Resolved 2026-11-25T18:26:33Z: query p95 1.65 ms, 0.96x its baseline when it cleared',
    );
    expect(summarize('order-agent-1', f, 120, { resolution: { ...resolved, reason: 'stale', after: null } })).toMatch(/\. Resolved 2026-11-25T18:26:33Z: the source stopped reporting$/);
  });
});

import { describe, expect, it } from 'vitest';
import type { Finding } from './finding.js';
import { formatValue, summarize } from './summary.js';

describe('summaries a person can act on', () => {
  it('format values in their unit and durations in words', () => {
    expect(formatValue('handler_latency_p95_ms', 420)).toBe('420 ms');
    expect(formatValue('cpu_usage', 97.24)).toBe('97.2%');
    expect(formatValue('disk_write_bytes_per_sec', 32 * 1024 * 1024)).toBe('32 MiB/s');
    expect(formatValue('heap_used_bytes', 1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatValue('event_loop_utilization', 0.981)).toBe('0.98');
  });

  it('say what, how much, for how long, then what moved with it, then who else is involved', () => {
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
    expect(summarize('order-agent-1', f, 45, ['order-agent-2'])).toBe(
      'order-agent-1 query p95 at 250 ms for 45 s, 50x its baseline; handler p95 420 ms (baseline 40 ms); also seen on order-agent-2',
    );
  });
});

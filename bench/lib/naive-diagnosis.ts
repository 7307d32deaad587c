import type { MetricSnapshot } from '../../src/model/snapshot.js';
import { SourceReferences } from '../../src/diagnose/source-references.js';
import type { SeenBottleneck } from './diagnosis-scoring.js';

/** The kind a single-metric diagnosis gives each fixed metric. */
const KIND_OF: Readonly<Record<string, string>> = {
  cpu_usage: 'cpu_saturation',
  event_loop_utilization: 'cpu_saturation',
  heap_used_bytes: 'memory_leak',
  memory_rss_bytes: 'memory_leak',
  memory_usage: 'memory_pressure',
  disk_write_bytes_per_sec: 'disk_io_saturation',
  disk_read_bytes_per_sec: 'disk_io_saturation',
  disk_util: 'disk_io_saturation',
  network_rx_bytes_per_sec: 'network_saturation',
  network_tx_bytes_per_sec: 'network_saturation',
  event_loop_delay_p99_ms: 'event_loop_blocked',
  gc_pause_ms: 'gc_pressure',
  db_query_p95_ms: 'slow_db_query',
  handler_latency_p95_ms: 'latency_regression',
  queue_depth: 'anomaly',
  error_rate: 'anomaly',
};

/**
 * The reference the bench prints beside diagnosis: "the most anomalous metric names the kind".
 * Per source, each snapshot's fixed metrics are compared with the same in-stream levels diagnosis
 * keeps; the metric furthest above its level (at least 3x) names the kind, and a bottleneck opens
 * after the same hold (and frames), one at a time per source, ending when nothing is 2x above.
 */
export function naiveDiagnosis(snapshots: Iterable<MetricSnapshot>, holdMs: number, holdSamples: number, clearMs: number): SeenBottleneck[] {
  const state = new Map<string, { refs: SourceReferences; kind: string | null; since: number; hits: number; open: boolean; lastHit: number }>();
  const out: SeenBottleneck[] = [];
  for (const s of snapshots) {
    let st = state.get(s.source);
    if (!st) state.set(s.source, (st = { refs: new SourceReferences(), kind: null, since: 0, hits: 0, open: false, lastHit: 0 }));
    let top = 1;
    let kind: string | null = null;
    for (const [metric, k] of Object.entries(KIND_OF)) {
      const x = s.metrics[metric];
      const level = st.refs.level(metric);
      if (x === undefined || !(level > 0)) continue;
      const r = x / Math.max(level, metric.endsWith('_bytes_per_sec') ? 65_536 : level * 0.01);
      if (r > top) {
        top = r;
        kind = k;
      }
    }
    st.refs.learn(s.metrics);
    if (st.open) {
      if (top >= 2) st.lastHit = s.timestamp;
      else if (s.timestamp - st.lastHit >= clearMs) st.open = false;
      continue;
    }
    if (top < 3 || kind === null) {
      st.kind = null;
      continue;
    }
    if (kind !== st.kind) Object.assign(st, { kind, since: s.timestamp, hits: 0 });
    st.hits++;
    if (s.timestamp - st.since >= holdMs && st.hits >= holdSamples) {
      out.push({ id: `naive-${out.length}`, kind, source: s.source, startedAt: st.since, detectedAt: s.timestamp });
      Object.assign(st, { open: true, lastHit: s.timestamp, kind: null });
    }
  }
  return out;
}

import { formatDuration, formatNumber } from '../model/time.js';
import type { Finding, MetricEvidence } from './finding.js';
import type { Resolution } from './resolution.js';

const LABELS: Readonly<Record<string, string>> = {
  cpu_usage: 'CPU',
  event_loop_utilization: 'event loop utilisation',
  event_loop_delay_p99_ms: 'event-loop delay p99',
  event_loop_delay_max_ms: 'longest event-loop delay',
  handler_latency_p95_ms: 'handler p95',
  db_query_p95_ms: 'query p95',
  gc_pause_ms: 'GC pauses',
  heap_used_bytes: 'heap used',
  heap_total_bytes: 'heap total',
  memory_rss_bytes: 'RSS',
  memory_usage: 'memory',
  cgroup_memory_usage: 'cgroup memory',
  memory_available_bytes: 'available memory',
  queue_depth: 'queue depth',
  error_rate: 'errors',
  disk_util: 'busiest disk',
  disk_write_bytes_per_sec: 'disk writes',
  disk_read_bytes_per_sec: 'disk reads',
  network_rx_bytes_per_sec: 'network in',
  network_tx_bytes_per_sec: 'network out',
  pressure_io_some_pct: 'I/O pressure',
  pressure_memory_some_pct: 'memory pressure',
  pressure_cpu_some_pct: 'CPU pressure',
  cpu_iowait_pct: 'iowait',
  cgroup_cpu_throttled_pct: 'CPU throttled',
  load_1m: 'load',
};

/** A short human name of a metric. */
export function metricLabel(metric: string): string {
  return LABELS[metric] ?? metric.replace(/_/g, ' ');
}

const num = formatNumber;

function bytes(x: number): string {
  if (Math.abs(x) >= 1024 ** 3) return `${num(x / 1024 ** 3)} GiB`;
  if (Math.abs(x) >= 1024 ** 2) return `${num(x / 1024 ** 2)} MiB`;
  if (Math.abs(x) >= 1024) return `${num(x / 1024)} KiB`;
  return `${num(x)} B`;
}

/** A value in the metric's unit, as a person reads it ("420 ms", "97%", "32 MiB/s", "0.98"). */
export function formatValue(metric: string, x: number): string {
  if (metric.endsWith('_bytes_per_sec')) return `${bytes(x)}/s`;
  if (metric.endsWith('_bytes')) return bytes(x);
  if (metric.endsWith('_ms')) return `${num(x)} ms`;
  if (metric === 'event_loop_utilization') return x.toFixed(2);
  if (metric.endsWith('_pct') || metric.endsWith('_usage') || metric === 'disk_util') return `${num(x)}%`;
  if (metric === 'error_rate') return `${num(x)}/s`;
  return num(x);
}

/** "handler p95 420 ms (baseline 40 ms)". */
export function describeMetric(metric: string, e: MetricEvidence): string {
  const base = e.baseline !== null ? ` (baseline ${formatValue(metric, e.baseline)})` : '';
  return `${metricLabel(metric)} ${formatValue(metric, e.value)}${base}`;
}

const times = (e: MetricEvidence | undefined) => (e?.ratio !== null && e?.ratio !== undefined ? `, ${num(e.ratio)}x its baseline` : '');

/** The opening clause of a summary: what is wrong, how much, for how long. */
function lead(f: Finding, durationS: number): { text: string; used: string[] } {
  const m = f.metrics;
  const dur = formatDuration(durationS * 1000);
  const e = m[f.metric];
  const v = (metric: string) => (m[metric] ? formatValue(metric, m[metric]!.value) : '?');
  switch (f.kind) {
    case 'cpu_saturation':
      if (f.facts.saturated === 'event_loop') {
        const cpu = m.cpu_usage ? `; CPU ${v('cpu_usage')} of all cores${times(m.cpu_usage)}` : '';
        return { text: `event loop saturated (utilisation ${v('event_loop_utilization')}) for ${dur}${cpu}`, used: ['event_loop_utilization', 'cpu_usage'] };
      }
      return { text: `${metricLabel(f.metric)} at ${v(f.metric)} for ${dur}${times(e)}`, used: [f.metric] };
    case 'memory_leak': {
      const eta = Number(f.facts.time_to_exhaustion_seconds);
      const limit = Number.isFinite(eta) ? `; its memory limit is reached in about ${formatDuration(eta * 1000)} (at ${String(f.facts.exhaustion_at)})` : '';
      const from = e?.baseline !== null && e?.baseline !== undefined ? `from ${formatValue(f.metric, e.baseline)} ` : '';
      const rate = formatValue('x_bytes', Number(f.facts.growth_bytes_per_second) * 60);
      return { text: `${metricLabel(f.metric)} grew steadily ${from}to ${v(f.metric)} in ${formatDuration(Number(f.facts.growing_for_seconds) * 1000)} (${rate}/min, trend fit ${num(Number(f.facts.trend_fit))})${limit}`, used: [f.metric] };
    }
    case 'gc_pressure': {
      const base = f.facts.gc_share_baseline !== undefined ? ` (baseline ${num(100 * Number(f.facts.gc_share_baseline))}%)` : '';
      return { text: `spends ${num(100 * Number(f.facts.gc_share))}% of its time in GC pauses for ${dur}${base}`, used: ['gc_pause_ms'] };
    }
    case 'event_loop_blocked':
      return { text: `event loop blocked: ${describeMetric(f.metric, e!)} for ${dur}`, used: [f.metric] };
    case 'latency_regression': {
      const labels = Object.entries(f.facts).filter(([k]) => k.startsWith('label_')).map(([k, c]) => `; ${k.slice(6)} changed ${String(c)}`).join('');
      return { text: `${describeMetric(f.metric, e!)} for ${dur}, with CPU, event loop and queries unchanged${labels}`, used: [f.metric, 'cpu_usage', 'event_loop_utilization', 'db_query_p95_ms'] };
    }
    case 'anomaly':
      return { text: `${describeMetric(f.metric, e!)} for ${dur}, which no known bottleneck explains`, used: [f.metric] };
    default:
      return { text: `${metricLabel(f.metric)} at ${v(f.metric)} for ${dur}${times(e)}${e?.baseline !== null && e?.baseline !== undefined && e.ratio === null ? ` (baseline ${formatValue(f.metric, e.baseline)})` : ''}`, used: [f.metric] };
  }
}

/** An instant as people and tools read it alike: RFC 3339 UTC to the second. */
const instant = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What a summary says besides the worst frame's finding. */
export interface SummaryContext {
  /** Event time of the worst frame. */
  readonly peakAt?: number;
  /** Other sources involved, and how ("also seen on", "affects"). */
  readonly related?: readonly string[];
  readonly relation?: string;
  /** How the bottleneck ended, with the main metric at the frame that resolved it (null when none did). */
  readonly resolution?: Resolution | null;
}

/** The closing sentence of a resolved bottleneck's summary, kept apart from the description of its worst state. */
function resolutionSentence(metric: string, r: Resolution): string {
  const at = `Resolved ${instant(r.at)}`;
  if (r.reason === 'stale') return `${at}: the source stopped reporting`;
  if (r.reason === 'disabled') return `${at}: diagnosis was switched off`;
  return r.after ? `${at}: ${metricLabel(metric)} ${formatValue(metric, r.after.value)}${times(r.after)} when it cleared` : `${at}: cleared`;
}

/**
 * The plain-English summary of a bottleneck from its worst frame's finding: the source, what is
 * wrong with numbers and duration, when it was worst, then up to three correlated metrics that
 * moved with it, then the other sources involved; a resolved one ends with a separate sentence on
 * how it ended. ("order-agent-1 event loop saturated (utilisation 0.98) for 45 s; CPU 24% of all
 * cores, 3.1x its baseline; worst at 2026-11-25T18:25:03Z; handler p95 420 ms (baseline 40 ms)").
 */
export function summarize(source: string, f: Finding, durationS: number, c: SummaryContext = {}): string {
  const { text, used } = lead(f, durationS);
  const moved = Object.entries(f.metrics)
    .filter(([metric, e]) => !used.includes(metric) && e.ratio !== null && (e.ratio >= 1.3 || e.ratio <= 0.7))
    .slice(0, 3)
    .map(([metric, e]) => describeMetric(metric, e));
  const parts = [`${source} ${text}`];
  if (c.peakAt !== undefined) parts.push(`worst at ${instant(c.peakAt)}`);
  parts.push(...moved);
  const related = c.related ?? [];
  if (related.length > 0) parts.push(`${c.relation ?? 'also seen on'} ${related.slice(0, 5).join(', ')}${related.length > 5 ? ` and ${related.length - 5} more` : ''}`);
  const summary = parts.join('; ');
  return c.resolution ? `${summary}. ${resolutionSentence(f.metric, c.resolution)}` : summary;
}

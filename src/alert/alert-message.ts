import type { AlertMessage } from '../wire/outbound.js';
import type { Severity } from '../model/severity.js';
import type { Transition } from './alert-machine.js';
import type { AlertResolveReason } from '../model/alert.js';
import type { DegradationReference } from './degradation.js';
import type { AlertRule, AlertUpdate } from '../model/alert.js';
import { formatDuration } from '../model/time.js';

/** Rules that raise alerts. */

/** Which way a threshold rule fires and the level that resolves it: what a message needs to word the value. */
export interface ThresholdBounds {
  readonly direction: 'above' | 'below';
  readonly clear: number;
}

/** A transition of one series' alert, with what identifies the series and rule. */
export interface AlertTransition extends Transition {
  readonly source: string;
  readonly metric: string;
  readonly rule: AlertRule;
  /** The baseline a degradation is measured from (null for thresholds). */
  readonly reference: DegradationReference | null;
  /** The series' sampling interval (ms, 0 when unknown). */
  readonly interval: number;
  /** The threshold rule's direction and clear level (absent for degradations, or when the rule is gone). */
  readonly bounds?: ThresholdBounds | null;
}

/** Updates within an episode, published on `performance.alert_update`. */

/** `performance.alert` (and `performance.alert_update`) as published: PROTOCOL.md fields plus documented extras. */
export interface AlertNotice extends AlertMessage {
  readonly rule: AlertRule;
  readonly fired_at: string | null;
  readonly max_severity: Severity;
  readonly resolve_reason: AlertResolveReason | null;
  readonly baseline: number | null;
  readonly update?: AlertUpdate;
  readonly previous_severity?: Severity;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A number as people read it: at most 4 significant digits, no exponent for ordinary magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e9 || a < 1e-3)) return v.toPrecision(3);
  return String(Number(v.toPrecision(4)));
}

/** Bytes in binary units: `512 B`, `1.5 KiB`, `117.7 MiB`. */
function formatBytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${formatValue(v)} ${units[i]}`;
}

/**
 * A metric's value as people read it: a few significant digits and the unit the name carries
 * (PROTOCOL.md puts units in names; `.<device>` suffixes are ignored): `95.2%`, `420 ms`,
 * `117.7 MiB`, `3.2 MiB/s`; a name without a known unit gets the number alone.
 */
export function formatMetricValue(metric: string, v: number): string {
  const base = metric.split('.')[0]!;
  if (!Number.isFinite(v)) return String(v);
  if (base.endsWith('_bytes_per_sec')) return `${formatBytes(v)}/s`;
  if (base.endsWith('_bytes')) return formatBytes(v);
  if (base.endsWith('_ms')) return `${formatValue(v)} ms`;
  if (base.endsWith('_seconds')) return `${formatValue(v)} s`;
  if (base.endsWith('_pct') || base.endsWith('_usage') || base === 'disk_util') return `${formatValue(v)}%`;
  if (base.endsWith('_per_sec')) return `${formatValue(v)}/s`;
  return formatValue(v);
}

const REASONS: Record<AlertResolveReason, string> = {
  cleared: 'back to normal',
  stale: 'no samples any more (stale)',
  rule_removed: 'its rule was removed',
  baseline_adapted: 'accepted as the new baseline',
};

/**
 * The threshold part of a firing message. A firing alert holds until its value crosses back past
 * the clear level, so the value may be back inside the level of its severity (after a
 * de-escalation to the lowest one, or while a de-escalation waits): the wording then says so
 * instead of reading as if the alert fired on the other side of its level.
 */
function thresholdText(t: AlertTransition, level: number): string {
  const e = t.episode;
  const fmt = (v: number) => formatMetricValue(t.metric, v);
  const b = t.bounds;
  if (!b) return ` (${e.severity} level ${fmt(level)})`;
  const beyond = b.direction === 'above' ? e.value > level : e.value < level;
  if (beyond) return ` ${b.direction} the ${e.severity} level ${fmt(level)}`;
  const back = b.direction === 'above' ? 'below' : 'above';
  return `, no longer ${b.direction} the ${e.severity} level ${fmt(level)} but not yet ${back} the clear level ${fmt(b.clear)},`;
}

/** The plain-English message of a transition, values rounded and in the metric's unit. */
export function describeAlert(t: AlertTransition): string {
  const e = t.episode;
  const head = `${t.source} ${t.metric}`;
  const fmt = (v: number) => formatMetricValue(t.metric, v);
  if (t.kind === 'resolved') {
    return `${head} resolved after ${formatDuration(t.at - (e.firedAt ?? e.startedAt))}: ${REASONS[t.reason ?? 'cleared']} (last value ${fmt(e.value)}, peak severity ${e.maxSeverity})`;
  }
  const since = formatDuration(e.lastTs - e.startedAt);
  if (t.rule === 'degradation' && t.reference) {
    const r = t.reference;
    const ratio = r.baseline > 0 && e.value > 0 ? `, ${formatValue(e.value / r.baseline)}x its baseline ${fmt(r.baseline)}` : ` vs its baseline ${fmt(r.baseline)}`;
    const spreads = r.spread > 0 ? ` (${formatValue(Math.abs(e.value - r.baseline) / r.spread)} spreads ${r.direction})` : '';
    return `${head} at ${fmt(e.value)}${ratio}${spreads} for ${since}: ${e.severity} degradation`;
  }
  const value = fmt(e.value);
  const level = e.threshold === null ? '' : thresholdText(t, e.threshold);
  return `${head} at ${value}${level} for ${since}`;
}

function base(t: AlertTransition, state: 'firing' | 'resolved'): AlertNotice {
  const e = t.episode;
  return {
    alert_id: e.alertId,
    state,
    severity: e.severity,
    source: t.source,
    metric: t.metric,
    value: e.value,
    threshold: e.threshold,
    started_at: iso(e.startedAt),
    resolved_at: state === 'resolved' ? iso(t.at) : null,
    message: describeAlert(t),
    rule: t.rule,
    fired_at: e.firedAt === null ? null : iso(e.firedAt),
    max_severity: e.maxSeverity,
    resolve_reason: state === 'resolved' ? (t.reason ?? 'cleared') : null,
    baseline: t.reference?.baseline ?? null,
  };
}

/** The one `firing` message of an episode (its current severity). */
export function firingMessage(t: AlertTransition): AlertNotice {
  return base(t, 'firing');
}

/** The one `resolved` message of an episode. */
export function resolvedMessage(t: AlertTransition): AlertNotice {
  return base(t, 'resolved');
}

/** An update within a firing episode: escalation, de-escalation or re-notification. */
export function updateMessage(t: AlertTransition, update: AlertUpdate): AlertNotice {
  return { ...base(t, 'firing'), update, ...(t.previousSeverity ? { previous_severity: t.previousSeverity } : {}) };
}

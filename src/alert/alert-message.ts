import type { AlertMessage } from '../wire/outbound.js';
import type { Severity } from '../model/severity.js';
import type { Transition } from './alert-machine.js';
import type { AlertResolveReason } from '../model/alert.js';
import type { DegradationReference } from './degradation.js';
import type { AlertRule, AlertUpdate } from '../model/alert.js';
import { formatDuration } from '../model/time.js';

/** Rules that raise alerts. */

/** A transition of one series' alert, with what identifies the series and rule. */
export interface AlertTransition extends Transition {
  readonly source: string;
  readonly metric: string;
  readonly rule: AlertRule;
  /** The baseline a degradation is measured from (null for thresholds). */
  readonly reference: DegradationReference | null;
  /** The series' sampling interval (ms, 0 when unknown). */
  readonly interval: number;
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

const REASONS: Record<AlertResolveReason, string> = {
  cleared: 'back to normal',
  stale: 'no samples any more (stale)',
  rule_removed: 'its rule was removed',
  baseline_adapted: 'accepted as the new baseline',
};

/** The plain-English message of a transition. */
export function describeAlert(t: AlertTransition): string {
  const e = t.episode;
  const head = `${t.source} ${t.metric}`;
  if (t.kind === 'resolved') {
    return `${head} resolved after ${formatDuration(t.at - (e.firedAt ?? e.startedAt))}: ${REASONS[t.reason ?? 'cleared']} (last value ${formatValue(e.value)}, peak severity ${e.maxSeverity})`;
  }
  const since = formatDuration(e.lastTs - e.startedAt);
  if (t.rule === 'degradation' && t.reference) {
    const r = t.reference;
    const ratio = r.baseline > 0 && e.value > 0 ? `, ${formatValue(e.value / r.baseline)}x its baseline ${formatValue(r.baseline)}` : ` vs its baseline ${formatValue(r.baseline)}`;
    const spreads = r.spread > 0 ? ` (${formatValue(Math.abs(e.value - r.baseline) / r.spread)} spreads ${r.direction})` : '';
    return `${head} at ${formatValue(e.value)}${ratio}${spreads} for ${since}: ${e.severity} degradation`;
  }
  const op = e.threshold !== null && e.value < e.threshold ? 'below' : 'above';
  const level = e.threshold === null ? '' : ` ${op} the ${e.severity} level ${formatValue(e.threshold)}`;
  return `${head} at ${formatValue(e.value)}${level} for ${since}`;
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

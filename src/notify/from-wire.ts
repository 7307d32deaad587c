import type { DeliverySeverity } from '../model/delivery.js';
import { SUBJECTS } from '../wire/subjects.js';
import type { Notice, NoticeEvent } from './notice.js';

/** A decoded wire message (the engine's own output: already valid against its schema). */
type Body = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): string => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : '-');

/** Optimization statuses that are verdicts, with the severity they are delivered at; others are not delivered. */
const VERDICTS: Readonly<Record<string, DeliverySeverity>> = {
  verified: 'info',
  ineffective: 'info',
  regressed: 'warning',
  rolled_back: 'warning',
  failed: 'warning',
};

/**
 * The notice a published message makes, or null for messages that are not delivered (other
 * subjects, bottleneck evidence and related-source updates, optimization steps that are not
 * verdicts). `receivedAt` (ms) tells updates apart.
 */
export function noticeFromMessage(subject: string, body: Body, receivedAt: number): Notice | null {
  switch (subject) {
    case SUBJECTS.alert:
    case SUBJECTS.alertUpdate:
      return alertNotice(body, receivedAt);
    case SUBJECTS.bottleneckDetected:
    case SUBJECTS.bottleneckUpdated:
      return bottleneckNotice(body, receivedAt);
    case SUBJECTS.optimizationStatus:
      return optimizationNotice(body);
    default:
      return null;
  }
}

/** The identity of an event: firing and resolved once per finding, updates told apart by time. */
function eventKey(id: string, event: NoticeEvent, receivedAt: number): string {
  return event === 'firing' || event === 'resolved' ? `${id}|${event}` : `${id}|${event}|${receivedAt}`;
}

function alertNotice(b: Body, receivedAt: number): Notice | null {
  const id = str(b.alert_id);
  const source = str(b.source);
  const metric = str(b.metric);
  if (!id || !source || !metric) return null;
  const resolved = b.state === 'resolved';
  const update = str(b.update);
  const event: NoticeEvent = resolved ? 'resolved' : update === 'escalated' || update === 'deescalated' || update === 'renotify' ? update : 'firing';
  const rule = str(b.rule) ?? 'threshold';
  const level = b.threshold !== null && b.threshold !== undefined ? `threshold ${num(b.threshold)}` : `baseline ${num(b.baseline)}`;
  const ended = resolved ? `; resolved at ${String(b.resolved_at)} (${String(b.resolve_reason ?? 'cleared')})` : '';
  return {
    finding: 'alert',
    id,
    event,
    state: resolved ? 'resolved' : 'firing',
    lasting: true,
    severity: b.severity === 'critical' ? 'critical' : 'warning',
    source,
    host: null,
    kind: metric,
    metric,
    labels: { rule },
    summary: str(b.message) ?? `${source} ${metric}`,
    description: `${rule} alert on ${metric} of ${source}: value ${num(b.value)}, ${level}; started at ${String(b.started_at)}${ended}`,
    startsAt: str(b.fired_at) ?? String(b.started_at),
    endsAt: resolved ? str(b.resolved_at) : null,
    link: '/api/v1/alerts',
    key: eventKey(id, event, receivedAt),
    message: b,
  };
}

function bottleneckNotice(b: Body, receivedAt: number): Notice | null {
  const id = str(b.bottleneck_id);
  const source = str(b.source);
  const kind = str(b.kind);
  if (!id || !source || !kind) return null;
  const update = str(b.update);
  if (update === 'evidence' || update === 'related') return null;
  const resolved = update === 'resolved' || b.status === 'resolved';
  const event: NoticeEvent = resolved ? 'resolved' : update === 'escalated' ? 'escalated' : 'firing';
  const recs = Array.isArray(b.recommendations) ? (b.recommendations as Body[]).slice(0, 3).map((r) => `- ${String(r.rationale ?? r.action)}`) : [];
  const related = Array.isArray(b.related_sources) && b.related_sources.length > 0 ? [`related sources: ${b.related_sources.length}`] : [];
  const ended = resolved ? [`resolved at ${String(b.resolved_at)} (${String(b.resolve_reason ?? 'cleared')})`] : [];
  return {
    finding: 'bottleneck',
    id,
    event,
    state: resolved ? 'resolved' : 'firing',
    lasting: true,
    severity: b.severity === 'critical' ? 'critical' : 'warning',
    source,
    host: str(b.host),
    kind,
    metric: str(b.metric),
    labels: {},
    summary: str(b.summary) ?? `${kind} on ${source}`,
    description: [str(b.summary) ?? kind, ...related, ...recs, ...ended].join('\n'),
    startsAt: str(b.started_at) ?? String(b.detected_at),
    endsAt: resolved ? (str(b.resolved_at) ?? str(b.updated_at)) : null,
    link: `/api/v1/bottlenecks/${id}`,
    key: eventKey(id, event, receivedAt),
    message: b,
  };
}

function optimizationNotice(b: Body): Notice | null {
  const id = str(b.optimization_id);
  const action = str(b.action);
  const status = str(b.status);
  const severity = status ? VERDICTS[status] : undefined;
  if (!id || !action || !status || !severity) return null;
  const source = str(b.source) ?? str((b.params as Body | undefined)?.source) ?? 'unknown';
  const impact = b.impact as Body | undefined;
  const effect = impact
    ? `: p95 of ${String(impact.metric)} ${num((impact.before as Body | undefined)?.p95)} -> ${num((impact.after as Body | undefined)?.p95)} (${num(impact.change_pct)}%${impact.significant ? ', significant' : ''})`
    : '';
  const bottleneck = str(b.bottleneck_id);
  return {
    finding: 'optimization',
    id,
    event: 'verdict',
    state: 'firing',
    lasting: false,
    severity,
    source,
    host: null,
    kind: action,
    metric: impact ? str(impact.metric) : null,
    labels: { status },
    summary: `${action} on ${source} ${status.replace('_', ' ')}${effect}`,
    description: str(b.reason) ?? `optimization ${id} ${status}`,
    startsAt: String(b.at),
    endsAt: null,
    link: bottleneck ? `/api/v1/bottlenecks/${bottleneck}` : '/api/v1/status',
    key: `${id}|${status}`,
    message: b,
  };
}

import type { BottleneckMessage, BottleneckUpdateMessage } from '../wire/outbound.js';
import type { Severity } from '../model/severity.js';
import type { BottleneckRecord } from './bottleneck-record.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The `performance.bottleneck_detected` message of a newly opened bottleneck (PROTOCOL.md shape plus extensions). */
export function detectedMessage(r: BottleneckRecord): BottleneckMessage {
  return {
    bottleneck_id: r.id,
    detected_at: iso(r.detectedAt),
    source: r.source,
    kind: r.kind,
    severity: r.severity,
    metric: r.metric,
    summary: r.summary,
    evidence: { ...r.evidence },
    recommendations: r.recommendations.map((x) => ({ action: x.action, params: { ...x.params }, rationale: x.rationale })),
    status: r.status,
    started_at: iso(r.startedAt),
    resolved_at: r.resolvedAt === null ? null : iso(r.resolvedAt),
    host: r.host,
    related_sources: [...r.related],
  };
}

/** The `performance.bottleneck_updated` message of a later version (same id). */
export function updateMessage(r: BottleneckRecord, update: BottleneckUpdateMessage['update'], previousSeverity?: Severity): BottleneckUpdateMessage {
  return {
    ...detectedMessage(r),
    status: r.status,
    update,
    updated_at: iso(r.updatedAt),
    ...(update === 'escalated' && previousSeverity ? { previous_severity: previousSeverity } : {}),
    ...(r.status === 'resolved' ? { resolve_reason: r.resolveReason } : {}),
  };
}

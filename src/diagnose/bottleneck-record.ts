import type { Resolution } from './resolution.js';
import type { BottleneckKind } from '../model/bottleneck.js';
import type { Severity } from '../model/severity.js';
import { recommendationsFor, type Recommendation } from '../optimize/recommendations.js';
import type { SourceScope } from './diagnostic-metrics.js';
import type { ActiveEpisode } from './episode-machine.js';
import type { Finding } from './finding.js';
import type { FrameDiagnosis } from './rank-findings.js';
import type { MetricRef } from './source-window.js';
import type { LabelChange } from './source-view.js';
import { summarize } from './summary.js';
import type { BottleneckResolveReason, BottleneckStatus, Relation } from '../model/bottleneck.js';




/** Another source involved in a bottleneck, with what it showed. */
export interface RelatedSource {
  readonly source: string;
  readonly relation: Relation;
  readonly kind: BottleneckKind;
  readonly metric: string;
  readonly value: number | null;
  readonly baseline: number | null;
  readonly ratio: number | null;
}

/** What a restart needs to continue an open bottleneck: references, findings, labels. */
export interface EpisodeState {
  readonly refs: Readonly<Record<string, MetricRef>>;
  readonly latest: Finding;
  readonly peak: Finding;
  /** Event time of the peak (absent in rows written before it was kept: the latest hit stands in). */
  readonly peakAt?: number;
  readonly lastHit: number;
  readonly labelsAtStart: Readonly<Record<string, string>> | null;
}

/** A bottleneck as stored in `bottlenecks` and published. */
export interface BottleneckRecord {
  readonly id: string;
  readonly source: string;
  readonly kind: BottleneckKind;
  readonly severity: Severity;
  readonly metric: string;
  readonly status: BottleneckStatus;
  /** Onset of the signature (event time, ms). */
  readonly startedAt: number;
  /** When it was published: onset plus the hold (event time). */
  readonly detectedAt: number;
  readonly updatedAt: number;
  readonly resolvedAt: number | null;
  readonly resolveReason: BottleneckResolveReason | null;
  readonly summary: string;
  readonly evidence: Readonly<Record<string, unknown>>;
  readonly recommendations: readonly Recommendation[];
  readonly related: readonly RelatedSource[];
  readonly host: string | null;
  readonly scope: SourceScope;
  readonly state: EpisodeState;
}

/** What a record is built from. */
export interface RecordInput {
  readonly episode: ActiveEpisode;
  readonly source: string;
  readonly host: string | null;
  readonly scope: SourceScope;
  /** Event time of the frame that produced this version. */
  readonly at: number;
  readonly intervalMs: number;
  readonly frame: FrameDiagnosis | null;
  readonly related: readonly RelatedSource[];
  readonly labelChanges: Readonly<Record<string, LabelChange>>;
  readonly state: EpisodeState;
  readonly resolved: Resolution | null;
  /** Evidence added by the stage (an automatic profile), kept from version to version. */
  readonly extra: Readonly<Record<string, unknown>>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The resolution as evidence: when, why, and the main metric at the frame that resolved it. */
function resolutionEvidence(r: Resolution, metric: string): Record<string, unknown> {
  return { at: iso(r.at), reason: r.reason, ...(r.after ? { metric, ...r.after } : {}) };
}

/**
 * Builds the record (summary, evidence, recommendations) of one version of a bottleneck. The
 * summary, the main metric, the headline evidence and the recommendations describe the episode's
 * worst frame (its peak), not its latest one: a bottleneck that is clearing, or has resolved, is
 * still reported by what it was at its worst, and how it ended is a separate `resolution`.
 */
export function buildRecord(i: RecordInput): BottleneckRecord {
  const e = i.episode;
  const f = e.peak;
  const end = i.resolved?.at ?? i.at;
  const durationS = Math.max(0, (Math.max(end, e.detectedAt) - e.startedAt) / 1000);
  const relation = i.related.some((r) => r.relation === 'affected') ? 'affects' : 'also seen on';
  const main = f.metrics[f.metric];
  const evidence: Record<string, unknown> = {
    confidence: Math.round(f.confidence * 100) / 100,
    onset: iso(e.startedAt),
    duration_seconds: Math.round(durationS),
    interval_seconds: i.intervalMs > 0 ? Math.round(i.intervalMs) / 1000 : null,
    scope: i.scope,
    host: i.host,
    metrics: f.metrics,
    ...f.facts,
    peak: { metric: f.metric, value: main?.value ?? null, baseline: main?.baseline ?? null, ratio: main?.ratio ?? null, at: iso(e.peakAt) },
  };
  if (i.frame) {
    const symptoms = i.frame.symptoms.map((s) => s.kind);
    const alternatives = i.frame.causes.filter((c) => c.kind !== e.kind).map((c) => ({ kind: c.kind, confidence: Math.round(c.confidence * 100) / 100 }));
    if (symptoms.length > 0) evidence.symptoms = symptoms;
    if (alternatives.length > 0) evidence.alternatives = alternatives;
  }
  if (Object.keys(i.labelChanges).length > 0) evidence.labels_changed = i.labelChanges;
  if (i.related.length > 0) evidence.related_sources = i.related;
  if (i.resolved) evidence.resolution = resolutionEvidence(i.resolved, f.metric);
  Object.assign(evidence, i.extra);
  return {
    id: e.id,
    source: i.source,
    kind: e.kind,
    severity: e.severity,
    metric: f.metric,
    status: i.resolved ? 'resolved' : 'active',
    startedAt: e.startedAt,
    detectedAt: e.detectedAt,
    updatedAt: Math.max(i.at, end),
    resolvedAt: i.resolved?.at ?? null,
    resolveReason: i.resolved?.reason ?? null,
    summary: summarize(i.source, f, durationS, { peakAt: e.peakAt, related: i.related.map((r) => r.source), relation, resolution: i.resolved }),
    evidence,
    recommendations: recommendationsFor(e.kind, {
      source: i.source,
      scope: i.scope,
      severity: e.severity,
      metric: f.metric,
      value: main?.value ?? null,
      baseline: main?.baseline ?? null,
      facts: f.facts,
      at: i.at,
    }),
    related: i.related,
    host: i.host,
    scope: i.scope,
    state: i.state,
  };
}

/** Another source's finding as part of a bottleneck. */
export function relatedOf(source: string, relation: Relation, f: Finding): RelatedSource {
  const e = f.metrics[f.metric];
  return { source, relation, kind: f.kind, metric: f.metric, value: e?.value ?? null, baseline: e?.baseline ?? null, ratio: e?.ratio ?? null };
}

import type { BottleneckKind } from '../model/bottleneck.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { BottleneckRecord, RelatedSource } from './bottleneck-record.js';
import type { SourceScope } from './diagnostic-metrics.js';
import { newEpisodes, type SourceEpisodes } from './episode-machine.js';
import { magnitude } from './finding.js';
import type { SourceReferences } from './source-references.js';
import { SourceWindow } from './source-window.js';
import { windowView, type LabelChange, type SourceView } from './source-view.js';

/** What is known of every source from its snapshots alone (kept for all, cheaply). */
export interface SourceInfo {
  host: string | null;
  scope: SourceScope;
  /** Event time of its latest snapshot, and the time since the one before (ms, NaN at first). */
  lastTs: number;
  intervalMs: number;
  /** Snapshots seen (paces the leak sentinel). */
  snapshots: number;
  /** Labels of its latest snapshot (so a watch knows the labels from before its first frame). */
  labels: Readonly<Record<string, string>> | null;
  /** Recent normal levels of its reference metrics. */
  readonly levels: SourceReferences;
  /** A reference metric has departed from its level for a few snapshots in a row (a cheap trigger besides anomalies). */
  departing: boolean;
}

/** A signature of this source attached to another source's bottleneck. */
export interface Attachment {
  readonly root: string;
  readonly rootId: string;
  /** Event time it last showed. */
  lastSeen: number;
}

/**
 * A source under diagnosis: its recent frames and references, its episode machine, its open
 * bottleneck, the signatures attached elsewhere, and the sources attached to its bottleneck.
 */
export class SourceWatch {
  readonly window = new SourceWindow();
  readonly episodes: SourceEpisodes = newEpisodes();
  record: BottleneckRecord | null = null;
  readonly related = new Map<string, RelatedSource>();
  readonly attached = new Map<BottleneckKind, Attachment>();
  readonly deferredSince = new Map<BottleneckKind, number>();
  /** Evidence the stage added to the open bottleneck (automatic profile). */
  extra: Record<string, unknown> = {};
  /** Event time of the latest reason to keep watching (an anomaly, a gate), and of the latest published update. */
  lastTrigger: number;
  lastUpdateAt = Number.NEGATIVE_INFINITY;
  lastSavedAt = Number.NEGATIVE_INFINITY;
  /** Peak main-metric value at the latest published update (evidence updates need a large change). */
  publishedPeak = 0;
  /** Wall time of the latest snapshot (staleness). */
  arrivedAt: number;

  constructor(
    readonly source: string,
    readonly labelsAtStart: Readonly<Record<string, string>> | null,
    trigger: number,
    now: number,
  ) {
    this.lastTrigger = trigger;
    this.arrivedAt = now;
  }

  /** The watch of a bottleneck that was open when the engine stopped: its references, findings, related sources and automatic profile. */
  static fromRecord(r: BottleneckRecord, now: number): SourceWatch {
    const s = r.state;
    const w = new SourceWatch(r.source, s.labelsAtStart, s.lastHit, now);
    w.window.restoreRefs(s.refs);
    w.episodes.active = { id: r.id, kind: r.kind, startedAt: r.startedAt, detectedAt: r.detectedAt, severity: r.severity, lastHit: s.lastHit, firstMissAt: null, latest: s.latest, peak: s.peak, peakAt: s.peakAt ?? s.lastHit, criticalStreak: 0 };
    w.record = r;
    for (const rel of r.related) w.related.set(rel.source, rel);
    const { auto_profile } = r.evidence as { auto_profile?: unknown };
    if (auto_profile !== undefined) w.extra = { auto_profile };
    w.lastUpdateAt = r.updatedAt;
    w.lastSavedAt = r.updatedAt;
    w.publishedPeak = magnitude(s.peak);
    return w;
  }

  /** Adds a snapshot as a frame and updates references from the source's levels (frozen while anything is pending or open). */
  addFrame(s: MetricSnapshot, levels: SourceReferences): void {
    this.window.push(s.timestamp, s.metrics);
    this.window.followRefs(levels, s.metrics, s.timestamp, this.episodes.active !== null || this.episodes.pending.size > 0);
  }

  /** Labels whose value differs from those before the watch began. */
  labelChanges(current: Readonly<Record<string, string>> | undefined): Record<string, LabelChange> {
    const before = this.labelsAtStart ?? {};
    const now = current ?? {};
    const out: Record<string, LabelChange> = {};
    for (const k of new Set([...Object.keys(before), ...Object.keys(now)])) {
      if (before[k] !== now[k]) out[k] = { from: before[k] ?? null, to: now[k] ?? null };
    }
    return out;
  }

  /** The view signatures read at the latest frame. */
  view(info: SourceInfo, labels: Readonly<Record<string, string>> | undefined): SourceView {
    return windowView(this.window, { source: this.source, host: info.host, scope: info.scope, intervalMs: info.intervalMs, labelChanges: () => this.labelChanges(labels) });
  }

  /** True when nothing keeps the watch: no open bottleneck, nothing pending or attached. */
  get idle(): boolean {
    return this.episodes.active === null && this.episodes.pending.size === 0 && this.attached.size === 0;
  }
}

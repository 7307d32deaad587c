import type { DiagnoserSettings } from './frame-context.js';
import type { Severity } from '../model/severity.js';
import type { SeriesDetail } from '../detect/anomaly/index.js';
import type { Anomaly } from '../detect/stream/detection-events.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import { relatedOf, type BottleneckRecord, type RelatedSource } from './bottleneck-record.js';
import { type Resolution } from './resolution.js';
import type { BottleneckResolveReason } from '../model/bottleneck.js';
import { isDiagnosticMetric, withinDeclaredRanges, type OutOfRange } from './diagnostic-metrics.js';
import { openEpisode, stepFrame, type ActiveEpisode, type Pending } from './episode-machine.js';
import { evidenceOf, magnitude } from './finding.js';
import { buildVersion, type FrameContext, type InFrame } from './frame-context.js';
import { groupMembers } from './group-members.js';
import { affectedOnHost, groupDecision, groupScope, strengthOf, type GroupMember } from './grouping.js';
import { diagnoseFrame, type FrameDiagnosis } from './rank-findings.js';
import { CONTINUES } from './signatures/continuation.js';
import { atCapacity, LEAK_SENTINEL_EVERY, steadyGrowth } from './source-gate.js';
import { newSourceInfo, SourceTracker } from './source-tracker.js';
import { SourceWatch, type SourceInfo } from './source-watch.js';

/** A change of a bottleneck: opened (publish once), updated (publish as an update), saved (store only), resolved. */
export interface BottleneckTransition {
  readonly type: 'opened' | 'updated' | 'saved' | 'resolved';
  /** What an update is about. */
  readonly update?: 'escalated' | 'related' | 'evidence';
  readonly previousSeverity?: Severity;
  readonly record: BottleneckRecord;
}

/** What the diagnoser is given. */
export interface DiagnoserDeps {
  /** The detection stage's view of a series, or null. */
  detail(source: string, metric: string): SeriesDetail | null;
  settings(): DiagnoserSettings;
  newId(): string;
  /** Wall clock: only for staleness. */
  now(): number;
  emit(t: BottleneckTransition): void;
}

/** Counters. */
export interface DiagnoserStats {
  readonly sources: number;
  readonly watched: number;
  readonly active: number;
  readonly frames: number;
  readonly opened: number;
  readonly resolved: number;
  readonly attached: number;
  /** Values of metrics with a declared range (percentages, the loop's utilization) outside it, ignored by the signatures. */
  readonly outOfRange: number;
  /** The latest of them, with its source (null before any). */
  readonly lastOutOfRange: (OutOfRange & { readonly source: string }) | null;
}

/** Sources flagged by an anomaly before their next snapshot, at most (a bound for sources that went silent). */
const MAX_FLAGGED = 100_000;

/** A watch with nothing pending or open ends this long (event time, or this many frames) after its latest trigger. */
const LINGER_MS = 2 * 60_000;
const LINGER_FRAMES = 10;

/**
 * Turns the detection stage's anomalies into bottlenecks of the closed set, in event time. A
 * source is watched from an anomaly of a diagnostic metric (or a figure at capacity, or a steady
 * memory trend) until it has been quiet for a while; each of its snapshots meanwhile is a frame:
 * the signatures run on it, the findings are ranked, the source's episode machine steps, and
 * mature signatures are grouped across sources before a bottleneck opens. I/O-free: transitions
 * go to `emit` (the stage stores, then publishes).
 */
export class Diagnoser {
  readonly #info = new SourceTracker();
  readonly #watches = new Map<string, SourceWatch>();
  readonly #flagged = new Map<string, number>();
  #frames = 0;
  #opened = 0;
  #resolved = 0;
  #attached = 0;
  #outOfRange = 0;
  #lastOutOfRange: DiagnoserStats['lastOutOfRange'] = null;
  readonly #countOutOfRange = (source: string, o: OutOfRange) => {
    this.#outOfRange++;
    this.#lastOutOfRange = { source, ...o };
  };

  constructor(private readonly deps: DiagnoserDeps) {}

  /** An anomaly of the detection stage: a diagnostic metric departing starts (or extends) the watch of its source. */
  onAnomaly(a: Anomaly): void {
    if (!isDiagnosticMetric(a.metric) || !this.deps.settings().enabled) return;
    const w = this.#watches.get(a.source);
    if (w) w.lastTrigger = Math.max(w.lastTrigger, a.timestamp);
    else this.#flagged.set(a.source, a.timestamp);
  }

  /** Every accepted snapshot (a snapshot listener registered after the detection stage's). */
  onSnapshots(snapshots: readonly MetricSnapshot[]): void {
    if (!this.deps.settings().enabled) return;
    for (const s of snapshots) this.#onSnapshot(withinDeclaredRanges(s, this.#countOutOfRange));
  }

  #onSnapshot(s: MetricSnapshot): void {
    const info = this.#info.track(s);
    if (info === null) return;
    const before = info.labels;
    info.labels = s.labels ?? null;
    let w = this.#watches.get(s.source);
    const capacity = atCapacity(s, info.intervalMs) || info.departing;
    if (w === undefined) {
      const flaggedAt = this.#flagged.get(s.source);
      this.#flagged.delete(s.source);
      const leak = info.snapshots % LEAK_SENTINEL_EVERY === 0 && steadyGrowth(this.deps.detail(s.source, s.metrics.heap_used_bytes !== undefined ? 'heap_used_bytes' : 'memory_rss_bytes'));
      if (flaggedAt === undefined && !capacity && !leak) return;
      w = new SourceWatch(s.source, before ?? s.labels ?? null, s.timestamp, this.deps.now());
      this.#watches.set(s.source, w);
    }
    if (capacity) w.lastTrigger = s.timestamp;
    w.arrivedAt = this.deps.now();
    this.#frame(w, s, info);
  }

  #frame(w: SourceWatch, s: MetricSnapshot, info: SourceInfo): void {
    this.#frames++;
    w.addFrame(s, info.levels);
    const view = w.view(info, s.labels);
    const c: InFrame = { w, info, ts: s.timestamp, p: this.deps.settings(), frame: diagnoseFrame(view) };
    const out = stepFrame(w.episodes, c.ts, info.intervalMs, this.#withoutAttached(c), c.p, (kind) => CONTINUES[kind](view));
    if (out.resolved) this.#resolve(c, out.resolved.episode, { at: out.resolved.at, reason: 'cleared', after: evidenceOf(view, out.resolved.episode.peak.metric) });
    const a = w.episodes.active;
    if (a !== null && w.record !== null) {
      if (out.escalated) this.#update(c, a, 'escalated', 'warning');
      else this.#maybeUpdate(c, a);
    }
    if (w.episodes.active === null) {
      for (const pending of out.mature) if (this.#tryOpen(c, pending)) break;
    }
    for (const kind of w.deferredSince.keys()) if (!w.episodes.pending.has(kind)) w.deferredSince.delete(kind);
    const linger = Math.max(LINGER_FRAMES * (info.intervalMs > 0 ? info.intervalMs : 0), LINGER_MS);
    if (w.idle && c.ts - w.lastTrigger > linger) this.#watches.delete(w.source);
  }

  /** The context of a version built outside a frame (a source joining, the sweep, diagnosis switched off), at event time `ts`. */
  #outsideFrame(w: SourceWatch, ts: number): FrameContext {
    const info = this.#info.get(w.source) ?? newSourceInfo(w.record?.host ?? null, w.record?.scope ?? 'agent', ts);
    return { w, info, ts, p: this.deps.settings(), frame: null };
  }

  /** The frame's causes without kinds attached to another bottleneck, refreshing the root's view of them; detaches gone ones. */
  #withoutAttached(c: InFrame): FrameDiagnosis {
    const { w, frame: d } = c;
    if (w.attached.size === 0) return d;
    for (const [kind, att] of w.attached) {
      const f = d.causes.find((x) => x.kind === kind) ?? d.symptoms.find((x) => x.kind === kind);
      const root = this.#watches.get(att.root);
      if (!root || root.record?.id !== att.rootId) w.attached.delete(kind);
      else if (f) att.lastSeen = c.ts;
      else if (c.ts - att.lastSeen >= c.p.clearMs) w.attached.delete(kind);
    }
    return { causes: d.causes.filter((x) => !w.attached.has(x.kind)), symptoms: d.symptoms };
  }

  /** Opens, defers or attaches a mature signature; true when the source's bottleneck opened. */
  #tryOpen(c: FrameContext, pending: Pending): boolean {
    const { w, info, ts, p } = c;
    const self: GroupMember = { source: w.source, scope: info.scope, host: info.host, kind: pending.kind, strength: strengthOf(pending.latest), since: pending.since, active: false, degraded: true };
    const scope = groupScope(self);
    const others = scope.where === 'none' ? [] : groupMembers(this.#watches.values(), (source) => this.#info.get(source), w.source, ts, p.holdMs, scope.where === 'host' ? scope.host : null);
    const deferred = w.deferredSince.get(pending.kind) ?? ts;
    const decision = groupDecision(self, others, ts - deferred, Math.max(p.holdMs, 3 * (info.intervalMs || 0)));
    if (decision.action === 'defer') {
      w.deferredSince.set(pending.kind, deferred);
      return false;
    }
    if (decision.action === 'attach') {
      const root = this.#watches.get(decision.root)!;
      w.episodes.pending.delete(pending.kind);
      w.attached.set(pending.kind, { root: root.source, rootId: root.record!.id, lastSeen: ts });
      this.#attached++;
      this.#relate(root, relatedOf(w.source, decision.relation, pending.latest), ts);
      return false;
    }
    const episode = openEpisode(w.episodes, pending, this.deps.newId(), ts);
    w.related.clear();
    if (info.scope === 'host') {
      for (const m of affectedOnHost(w.source, others).slice(0, 20)) {
        const mw = this.#watches.get(m.source);
        const f = mw?.episodes.active?.latest ?? mw?.episodes.pending.get(m.kind)?.latest;
        if (f && !w.related.has(m.source)) w.related.set(m.source, relatedOf(m.source, 'affected', f));
      }
    }
    w.extra = {};
    w.record = buildVersion(c, episode, null);
    w.lastUpdateAt = ts;
    w.lastSavedAt = ts;
    w.publishedPeak = magnitude(episode.peak);
    this.#opened++;
    this.deps.emit({ type: 'opened', record: w.record });
    return true;
  }

  /** Adds or refreshes a related source on an open bottleneck; a new one is published as an update. */
  #relate(root: SourceWatch, r: RelatedSource, ts: number): void {
    const a = root.episodes.active;
    if (!a || !root.record) return;
    const known = root.related.has(r.source);
    root.related.set(r.source, r);
    if (known) return;
    this.#update(this.#outsideFrame(root, Math.max(ts, root.record.updatedAt)), a, 'related', a.severity);
  }

  #maybeUpdate(c: FrameContext, a: ActiveEpisode): void {
    const { w, ts, p } = c;
    const grew = magnitude(a.peak) >= 1.5 * w.publishedPeak && w.publishedPeak > 0;
    if (grew && ts - w.lastUpdateAt >= p.updateIntervalMs) {
      this.#update(c, a, 'evidence', a.severity);
      return;
    }
    if (ts - w.lastSavedAt >= Math.min(60_000, p.updateIntervalMs || 60_000)) {
      w.record = buildVersion(c, a, null);
      w.lastSavedAt = ts;
      this.deps.emit({ type: 'saved', record: w.record });
    }
  }

  #update(c: FrameContext, a: ActiveEpisode, update: 'escalated' | 'related' | 'evidence', previousSeverity: Severity): void {
    const w = c.w;
    w.record = buildVersion(c, a, null);
    w.lastUpdateAt = c.ts;
    w.lastSavedAt = c.ts;
    w.publishedPeak = magnitude(a.peak);
    this.deps.emit({ type: 'updated', update, previousSeverity, record: w.record });
  }

  /** Resolves `a` as `resolution` says, decided at the context's event time. */
  #resolve(c: FrameContext, a: ActiveEpisode, resolution: Resolution): void {
    const record = buildVersion(c, a, resolution);
    c.w.record = null;
    c.w.related.clear();
    this.#resolved++;
    this.deps.emit({ type: 'resolved', record });
  }

  /** Adds evidence to an open bottleneck (the stage's automatic profile); kept in later versions. */
  addEvidence(source: string, id: string, extra: Record<string, unknown>): void {
    const w = this.#watches.get(source);
    if (w?.record?.id === id) w.extra = { ...w.extra, ...extra };
  }

  /** Continues bottlenecks that were open when the engine stopped (no publication: they were published). */
  restore(records: readonly BottleneckRecord[]): void {
    for (const r of records) {
      this.#watches.set(r.source, SourceWatch.fromRecord(r, this.deps.now()));
      this.#info.adopt(r.source, newSourceInfo(r.host, r.scope));
    }
  }

  /** Resolves open bottlenecks of sources silent for the stale time (wall clock), and forgets their watches. Call periodically. */
  sweep(): void {
    const now = this.deps.now();
    if (this.#flagged.size > MAX_FLAGGED) this.#flagged.clear();
    const staleMs = this.deps.settings().staleMs;
    for (const w of [...this.#watches.values()]) {
      if (now - w.arrivedAt < staleMs) continue;
      const a = w.episodes.active;
      if (a !== null) {
        w.episodes.active = null;
        const at = Math.max(a.lastHit, w.window.size > 0 ? w.window.lastTs : a.lastHit);
        this.#resolve(this.#outsideFrame(w, at), a, { at, reason: 'stale', after: null });
      }
      // Silent for the stale time: what was pending or attached is not evidence of anything any more.
      this.#watches.delete(w.source);
    }
  }

  /** Resolves every open bottleneck (diagnosis switched off). */
  resolveAll(reason: BottleneckResolveReason): void {
    for (const w of [...this.#watches.values()]) {
      const a = w.episodes.active;
      if (a === null) continue;
      w.episodes.active = null;
      const at = w.window.size > 0 ? w.window.lastTs : a.lastHit;
      this.#resolve(this.#outsideFrame(w, at), a, { at, reason, after: null });
    }
    this.#watches.clear();
    this.#flagged.clear();
  }

  /** Open bottlenecks, by source. */
  active(): BottleneckRecord[] {
    return [...this.#watches.values()].flatMap((w) => (w.record ? [w.record] : []));
  }

  stats(): DiagnoserStats {
    let active = 0;
    for (const w of this.#watches.values()) if (w.episodes.active) active++;
    return { sources: this.#info.size, watched: this.#watches.size, active, frames: this.#frames, opened: this.#opened, resolved: this.#resolved, attached: this.#attached, outOfRange: this.#outOfRange, lastOutOfRange: this.#lastOutOfRange };
  }
}

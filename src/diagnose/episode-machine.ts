import type { BottleneckKind } from '../model/bottleneck.js';
import type { Severity } from '../model/severity.js';
import { worseThan, type Finding } from './finding.js';
import type { FrameDiagnosis } from './rank-findings.js';

/** How long a signature must hold before it is published, and how long it must be gone to end. */
export interface EpisodeParams {
  /** Event time a signature must hold (from its onset) before its bottleneck opens. */
  readonly holdMs: number;
  /** Frames of the source over which it must have held, at least. */
  readonly holdSamples: number;
  /** Event time a bottleneck's signature must be absent before it resolves. */
  readonly clearMs: number;
}

/** Share of a pending signature's frames that must match: blocks of the event loop come and go, other signatures persist. */
export function minHitRatio(kind: BottleneckKind): number {
  return kind === 'event_loop_blocked' ? 0.5 : 0.7;
}

/** A signature seen but not yet held long enough. */
export interface Pending {
  readonly kind: BottleneckKind;
  /** Onset (event time): its first frame, or earlier when the signature dates itself back. */
  readonly since: number;
  lastHit: number;
  hits: number;
  frames: number;
  /** The finding of its latest frame, and its most confident one. */
  latest: Finding;
  best: Finding;
  /** The finding of its worst frame ({@link worseThan}), and that frame's event time. */
  peak: Finding;
  peakAt: number;
}

/** The open bottleneck of a source. */
export interface ActiveEpisode {
  readonly id: string;
  readonly kind: BottleneckKind;
  readonly startedAt: number;
  readonly detectedAt: number;
  severity: Severity;
  lastHit: number;
  /** First frame without the signature since its last hit, or null while it holds. */
  firstMissAt: number | null;
  latest: Finding;
  /**
   * The finding of the episode's worst frame so far ({@link worseThan}) and its event time: what the
   * summary and headline evidence describe, during the episode and after it resolved.
   */
  peak: Finding;
  peakAt: number;
  /** Consecutive frames whose finding was critical (escalation needs two). */
  criticalStreak: number;
}

/** The diagnosis state of one source: signatures pending, and at most one open bottleneck. */
export interface SourceEpisodes {
  readonly pending: Map<BottleneckKind, Pending>;
  active: ActiveEpisode | null;
}

/** What one frame changed. */
export interface FrameOutcome {
  /** Pending signatures that have now held long enough, most confident first. */
  readonly mature: readonly Pending[];
  /** The open bottleneck became critical at this frame. */
  readonly escalated: boolean;
  /** The open bottleneck ended: its signature has been gone since this time (it is no longer active). */
  readonly resolved: { readonly episode: ActiveEpisode; readonly at: number } | null;
}

/** A fresh state. */
export function newEpisodes(): SourceEpisodes {
  return { pending: new Map(), active: null };
}

/**
 * Steps the machine of one source by one frame (event time `ts`, `intervalMs` after the previous
 * one). The open bottleneck continues
 * while its kind shows (as cause or symptom, or `continues` says it still holds at a lower bar)
 * and resolves after `clearMs` without it; causes
 * start or continue pending signatures, which are dropped when they stop matching (a gap longer
 * than half the hold or an interval and a half, or too low a share of matching frames), and are
 * mature once held for `holdMs` with at least `holdSamples` matching frames and the kind's hit ratio.
 */
export function stepFrame(m: SourceEpisodes, ts: number, intervalMs: number, d: FrameDiagnosis, p: EpisodeParams, continues: (kind: BottleneckKind) => boolean = () => false): FrameOutcome {
  let escalated = false;
  let resolved: FrameOutcome['resolved'] = null;
  const a = m.active;
  if (a !== null) {
    const f = d.causes.find((x) => x.kind === a.kind) ?? d.symptoms.find((x) => x.kind === a.kind);
    if (!f && continues(a.kind)) {
      a.lastHit = ts;
      a.firstMissAt = null;
    } else if (f) {
      a.lastHit = ts;
      a.firstMissAt = null;
      a.latest = f;
      if (worseThan(f, a.peak)) {
        a.peak = f;
        a.peakAt = ts;
      }
      a.criticalStreak = f.severity === 'critical' ? a.criticalStreak + 1 : 0;
      if (a.criticalStreak >= 2 && a.severity !== 'critical') {
        a.severity = 'critical';
        escalated = true;
      }
    } else {
      a.firstMissAt ??= ts;
      a.criticalStreak = 0;
      if (ts - a.lastHit >= p.clearMs) {
        resolved = { episode: a, at: a.firstMissAt };
        m.active = null;
      }
    }
  }
  const hit = new Set<BottleneckKind>();
  for (const f of d.causes) {
    if (f.kind === m.active?.kind || hit.has(f.kind)) continue;
    hit.add(f.kind);
    const pending = m.pending.get(f.kind);
    if (pending === undefined) {
      const back = f.onset && f.onset.at < ts ? f.onset : null;
      // A snapshot describes the interval before its timestamp: the first one to show a signature
      // dates its onset to the start of that interval.
      const since = back?.at ?? (intervalMs > 0 ? ts - intervalMs : ts);
      m.pending.set(f.kind, { kind: f.kind, since, lastHit: ts, hits: back?.frames ?? 1, frames: back?.frames ?? 1, latest: f, best: f, peak: f, peakAt: ts });
      continue;
    }
    pending.hits++;
    pending.frames++;
    pending.lastHit = ts;
    pending.latest = f;
    if (f.confidence >= pending.best.confidence) pending.best = f;
    if (worseThan(f, pending.peak)) {
      pending.peak = f;
      pending.peakAt = ts;
    }
  }
  const maxGap = Math.max(1.5 * (intervalMs > 0 ? intervalMs : 0), p.holdMs / 2);
  const mature: Pending[] = [];
  for (const [kind, pending] of m.pending) {
    if (kind === m.active?.kind) {
      m.pending.delete(kind);
      continue;
    }
    const ratio = minHitRatio(kind);
    if (!hit.has(kind)) {
      pending.frames++;
      if (ts - pending.lastHit > maxGap || (pending.frames >= p.holdSamples && pending.hits / pending.frames < ratio)) m.pending.delete(kind);
      continue;
    }
    if (ts - pending.since >= p.holdMs && pending.hits >= p.holdSamples && pending.hits / pending.frames >= ratio) mature.push(pending);
  }
  mature.sort((x, y) => y.best.confidence - x.best.confidence);
  // Another cause established while the open one is absent supersedes it: it ends where it stopped
  // showing, rather than holding the new one back for the rest of its clear time.
  if (resolved === null && a !== null && m.active === a && a.firstMissAt !== null && mature.length > 0) {
    resolved = { episode: a, at: a.firstMissAt };
    m.active = null;
  }
  return { mature, escalated, resolved };
}

/** Opens a bottleneck from a mature pending signature (the caller decided it is this source's to publish). */
export function openEpisode(m: SourceEpisodes, pending: Pending, id: string, ts: number): ActiveEpisode {
  m.pending.delete(pending.kind);
  const episode: ActiveEpisode = {
    id,
    kind: pending.kind,
    startedAt: pending.since,
    detectedAt: ts,
    severity: pending.latest.severity === 'critical' && pending.best.severity === 'critical' ? 'critical' : 'warning',
    lastHit: pending.lastHit,
    firstMissAt: null,
    latest: pending.latest,
    peak: pending.peak,
    peakAt: pending.peakAt,
    criticalStreak: pending.latest.severity === 'critical' ? 1 : 0,
  };
  m.active = episode;
  return episode;
}

import type { EpisodeParams } from './episode-machine.js';
import { buildRecord, type BottleneckRecord, type EpisodeState } from './bottleneck-record.js';
import { type Resolution } from './resolution.js';
import type { ActiveEpisode } from './episode-machine.js';
import type { FrameDiagnosis } from './rank-findings.js';
import type { SourceInfo, SourceWatch } from './source-watch.js';

/** Settings of diagnosis, times in milliseconds. */
export interface DiagnoserSettings extends EpisodeParams {
  readonly enabled: boolean;
  /** Wall time without a snapshot after which an open bottleneck resolves as stale. */
  readonly staleMs: number;
  /** Shortest event time between two evidence updates of one bottleneck. */
  readonly updateIntervalMs: number;
}

/**
 * One frame of a watched source, as every step of diagnosing it reads it: the source, what is
 * known of it, the frame's event time, the settings and the frame's findings. Versions built
 * outside a frame (a source joining a bottleneck, the stale sweep, diagnosis switched off) use one
 * too, without findings.
 */
export interface FrameContext {
  readonly w: SourceWatch;
  readonly info: SourceInfo;
  /** Event time of the frame, or of the decision made outside one. */
  readonly ts: number;
  /** The settings, read once per frame: a live change applies from the next frame on. */
  readonly p: DiagnoserSettings;
  /** Every finding of the frame, attached kinds included (the record lists symptoms and alternatives); null outside a frame. */
  readonly frame: FrameDiagnosis | null;
}

/** The context of a frame proper (its findings are known). */
export type InFrame = FrameContext & { readonly frame: FrameDiagnosis };

/** The record of open bottleneck `a` as of the context (resolved when `resolved` is given), with the watch's related sources, label changes and state. */
export function buildVersion(c: FrameContext, a: ActiveEpisode, resolved: Resolution | null): BottleneckRecord {
  const { w, info } = c;
  const state: EpisodeState = { refs: Object.fromEntries(w.window.refs()), latest: a.latest, peak: a.peak, peakAt: a.peakAt, lastHit: a.lastHit, labelsAtStart: w.labelsAtStart };
  return buildRecord({
    episode: a,
    source: w.source,
    host: info.host,
    scope: info.scope,
    at: c.ts,
    intervalMs: info.intervalMs,
    frame: c.frame,
    related: [...w.related.values()],
    labelChanges: w.labelChanges(info.labels ?? undefined),
    state,
    resolved,
    extra: w.extra,
  });
}

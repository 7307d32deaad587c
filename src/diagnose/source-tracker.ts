import type { MetricSnapshot } from '../model/snapshot.js';
import { hostOf, scopeOf, type SourceScope } from './diagnostic-metrics.js';
import { LEAK_SENTINEL_EVERY } from './source-gate.js';
import { SourceReferences } from './source-references.js';
import type { SourceInfo } from './source-watch.js';

/** Most sources remembered (their host, interval, labels, levels); the oldest are forgotten beyond. */
const MAX_SOURCES = 200_000;

/** A source's bookkeeping before its first snapshot (a restored bottleneck, a related source). */
export function newSourceInfo(host: string | null, scope: SourceScope, lastTs = Number.NEGATIVE_INFINITY): SourceInfo {
  return { host, scope, lastTs, intervalMs: Number.NaN, snapshots: 0, labels: null, levels: new SourceReferences(), departing: false };
}

/** Intervals a source may miss before it no longer counts as reporting. */
const REPORTING_INTERVALS = 3;

/**
 * How long after its latest snapshot (event time) a source still counts as reporting: a few of its
 * intervals, and at least half the hold, the gap a pending signature itself survives (so sources
 * whose clocks or intervals differ a little are not taken for stopped ones).
 */
export function reportingWindow(info: SourceInfo, holdMs: number): number {
  return Math.max(REPORTING_INTERVALS * (info.intervalMs > 0 ? info.intervalMs : 0), holdMs / 2);
}

/**
 * What diagnosis knows of every source from its snapshots alone, kept cheaply for all of them:
 * host, scope, sampling interval, labels, and the in-stream reference levels (whose update also
 * says whether a metric has departed for a while).
 */
export class SourceTracker {
  readonly #info = new Map<string, SourceInfo>();

  /** Updates a source from its snapshot; null for a snapshot not newer than the source's latest (late: not diagnosed). */
  track(s: MetricSnapshot): SourceInfo | null {
    let info = this.#info.get(s.source);
    if (info === undefined) {
      if (this.#info.size >= MAX_SOURCES) this.#info.delete(this.#info.keys().next().value!);
      info = newSourceInfo(hostOf(s), scopeOf(s), s.timestamp);
      this.#info.set(s.source, info);
    } else {
      if (s.timestamp <= info.lastTs) return null;
      info.intervalMs = Number.isFinite(info.lastTs) ? s.timestamp - info.lastTs : Number.NaN;
      info.lastTs = s.timestamp;
      if (info.snapshots % LEAK_SENTINEL_EVERY === 0) {
        info.host = hostOf(s) ?? info.host;
        info.scope = scopeOf(s);
      }
    }
    info.snapshots++;
    info.departing = info.levels.learn(s.metrics);
    return info;
  }

  get(source: string): SourceInfo | undefined {
    return this.#info.get(source);
  }

  /** Registers a source known before its first snapshot (a restored bottleneck), unless known already. */
  adopt(source: string, info: SourceInfo): void {
    if (!this.#info.has(source)) this.#info.set(source, info);
  }

  get size(): number {
    return this.#info.size;
  }
}

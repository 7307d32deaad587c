import type { SeriesDetail } from '../anomaly/index.js';

/**
 * A sample whose anomaly score reached the stage's level (`detect_anomaly_score`). Emitted in
 * event time, at most once per sample, in the order samples of a series arrive.
 */
export interface Anomaly {
  readonly source: string;
  readonly metric: string;
  /** The sample's own time (epoch ms). */
  readonly timestamp: number;
  readonly value: number;
  /** Anomaly score in [0, 1]. */
  readonly score: number;
  /** The detector's view after this sample: baseline, spread, direction, cause, level shift, trend. */
  readonly detail: SeriesDetail;
}

/** One scored sample of a followed series; `detail()` is computed on demand and valid only during the callback. */
export interface ScoredSample {
  readonly source: string;
  readonly metric: string;
  readonly timestamp: number;
  readonly value: number;
  readonly score: number;
  detail(): SeriesDetail;
}

/** Receives anomalies; must not throw (errors are logged and counted by the stage) and must return quickly. */
export type AnomalyListener = (anomaly: Anomaly) => void;

/** Receives every scored sample of a followed series; same rules as {@link AnomalyListener}. */
export type SampleFollower = (sample: ScoredSample) => void;

/**
 * What the streaming detection stage offers its consumers (degradation alerts, diagnosis): anomaly
 * events for every series, and every scored sample of the few series a consumer chose to follow,
 * so heavier analysis runs only where the stage flagged something.
 */
export interface DetectionEvents {
  /** Adds an anomaly listener; returns a function that removes it. */
  onAnomaly(listener: AnomalyListener): () => void;
  /** Delivers every further scored sample of one series to `follower` until the returned function is called. */
  follow(source: string, metric: string, follower: SampleFollower): () => void;
  /** The detector's current view of a series held in memory, or null (unknown, evicted, or still loading). */
  detail(source: string, metric: string): SeriesDetail | null;
  /** Metrics of a source whose series are held in memory (for reading the context of an anomaly). */
  metricsOf(source: string): readonly string[];
}

import { modelOf, type DetectorModel, type SeriesDetail } from './detector-model.js';
import { resolveDetectorOptions, type DetectorOptions } from './options.js';
import { decodeState, encodeState } from './state-codec.js';

export type { SeriesDetail } from './detector-model.js';

/** Per-series online detector: bounded memory, no look-ahead. */
export interface SeriesDetector {
  /**
   * Feeds one sample (epoch ms, finite value) in event-time order; returns the anomaly score in [0, 1].
   * A sample older than the latest one, or with a non-finite value, is ignored (the state is
   * untouched) and scored 0.
   */
  update(timestamp: number, value: number): number;
  /** Serialisable state, so it can be persisted and restored (and its size reported). */
  snapshot(): Uint8Array;
  /** Learns from history (parallel arrays, oldest first) without scoring it: warms baseline and seasonality. */
  warm(timestamps: ArrayLike<number>, values: ArrayLike<number>): void;
  /** What diagnosis needs beside the score: a cheap read of the state after the latest sample. */
  detail(): SeriesDetail;
  /** Seconds until the trend reaches `limit` when the series moves steadily towards it; Infinity otherwise. */
  timeToExhaustion(limit: number): number;
}

/**
 * Concrete detector: one core on the samples and one on means of `coarseBlock` samples (a slower
 * time scale that sees changes of level or rhythm too gradual for the first), the trend line, and the
 * alarm gate over the larger of the two scores. Its own memory is its state's bytes (seen as Float64
 * and Float32) and a reference to the shared model. Many detectors held together are cheaper in a
 * {@link DetectorStore} (detector-store.ts), which keeps the same state in shared arrays.
 */
class OnlineSeriesDetector implements SeriesDetector {
  private readonly s: Float64Array;
  private readonly f: Float32Array;

  constructor(private readonly m: DetectorModel) {
    const buffer = new ArrayBuffer(m.stateBytes);
    this.s = new Float64Array(buffer, 0, buffer.byteLength >>> 3);
    this.f = new Float32Array(buffer);
    m.init(this.s, this.f, 0);
  }

  update(timestamp: number, value: number): number {
    return this.m.update(this.s, this.f, 0, timestamp, value);
  }

  warm(timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    this.m.warm(this.s, this.f, 0, timestamps, values);
  }

  detail(): SeriesDetail {
    return this.m.detail(this.s, 0);
  }

  timeToExhaustion(limit: number): number {
    return this.m.timeToExhaustion(this.s, 0, limit);
  }

  snapshot(): Uint8Array {
    return encodeState(new Uint8Array(this.s.buffer));
  }

  /** Restores the state written by {@link snapshot}. */
  load(state: Uint8Array): void {
    decodeState(state, new Uint8Array(this.s.buffer));
  }
}

/** A fresh detector with the default configuration, or with some options overridden. */
export function createSeriesDetector(options?: Partial<DetectorOptions>): SeriesDetector {
  return new OnlineSeriesDetector(modelOf(resolveDetectorOptions(options)));
}

/** A detector continuing from a snapshot; `options` must match the ones the snapshot was taken with. */
export function restoreSeriesDetector(state: Uint8Array, options?: Partial<DetectorOptions>): SeriesDetector {
  const detector = new OnlineSeriesDetector(modelOf(resolveDetectorOptions(options)));
  detector.load(state);
  return detector;
}

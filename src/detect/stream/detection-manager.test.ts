import { describe, expect, it } from 'vitest';
import { createSeriesDetector } from '../anomaly/index.js';
import type { MetricSnapshot } from '../../model/snapshot.js';
import type { Anomaly, ScoredSample } from './detection-events.js';
import { DetectionManager, type LoadRequest, type SeriesLoad } from './detection-manager.js';
import { LOAD_AGAIN } from './series-load.js';

const T0 = Date.UTC(2026, 0, 5);
const STEP = 10_000;

/** A noisy flat series (deterministic noise in [-2, 2]) with a large spike at `spikeAt`. */
function value(i: number, spikeAt = -1): number {
  const noise = (((i * 2654435761) % 2 ** 32) / 2 ** 32) * 4 - 2;
  return 50 + noise + (i === spikeAt ? 60 : 0);
}

function snap(source: string, i: number, metrics: Record<string, number>): MetricSnapshot {
  return { source, timestamp: T0 + i * STEP, metrics };
}

describe('detection manager', () => {
  it('scores in event time and emits one anomaly with the detector detail for a spike', () => {
    const m = new DetectionManager({ maxSeries: 100, anomalyScore: 0.6 });
    const got: Anomaly[] = [];
    m.onAnomaly((a) => got.push(a));
    for (let i = 0; i < 400; i++) m.ingest([snap('a', i, { cpu_usage: value(i, 300), other: value(i + 7) })]);
    expect(got.map((a) => [a.metric, a.timestamp])).toEqual([['cpu_usage', T0 + 300 * STEP]]);
    expect(got[0]!.detail.direction).toBe('above');
    expect(got[0]!.score).toBeGreaterThanOrEqual(0.5);
    expect(m.stats()).toMatchObject({ series: 2, samples: 800, late: 0, anomalies: 1 });
  });

  it('counts late samples and keeps them out of the model', () => {
    const m = new DetectionManager({ maxSeries: 100, anomalyScore: 0.6 });
    const reference = createSeriesDetector();
    for (let i = 0; i < 200; i++) {
      m.ingest([snap('a', i, { x: value(i) })]);
      reference.update(T0 + i * STEP, value(i));
      if (i % 10 === 9) m.ingest([snap('a', i - 5, { x: 1e9 })]);
    }
    expect(m.stats().late).toBe(20);
    const ours = m.detail('a', 'x')!;
    expect(ours).toEqual(reference.detail());
  });

  it('evicts the least recently updated series beyond the cap and hands out their state', () => {
    const m = new DetectionManager({ maxSeries: 10, anomalyScore: 0.5 });
    for (let s = 0; s < 10; s++) m.ingest([snap(`s${s}`, 0, { x: s })]);
    m.ingest([snap('s0', 1, { x: 1 })]);
    m.ingest([snap('new', 1, { x: 1 })]);
    // Eviction goes 5% (at least one series) below the cap, so it does not run on every new series.
    const stats = m.stats();
    expect(stats.series).toBe(9);
    expect(stats.evicted).toBe(2);
    expect(m.detail('s1', 'x')).toBeNull();
    expect(m.detail('s2', 'x')).toBeNull();
    expect(m.detail('s0', 'x')).not.toBeNull();
    expect(m.detail('new', 'x')).not.toBeNull();
    const saved = [...m.dirtyStates()];
    expect(saved.slice(0, 2).map((s) => s.source)).toEqual(['s1', 's2']);
    expect(saved).toHaveLength(11);
    expect([...m.dirtyStates()]).toHaveLength(0);
  });

  it('hands out transient states equal to the copies, each valid until the next is taken', () => {
    const fill = (m: DetectionManager) => {
      for (let i = 0; i < 30; i++) m.ingest([snap('a', i, { x: value(i), y: 2 * value(i) }), snap('b', i, { x: -value(i) })]);
    };
    const copies = new DetectionManager({ maxSeries: 10, anomalyScore: 0.5 });
    const transient = new DetectionManager({ maxSeries: 10, anomalyScore: 0.5 });
    fill(copies);
    fill(transient);
    const expected = [...copies.dirtyStates()];
    const taken = [];
    for (const s of transient.dirtyStates({ transient: true })) taken.push({ ...s, state: s.state.slice() });
    expect(taken).toEqual(expected);
    expect(new Set(expected.map((s) => Buffer.from(s.state).toString('hex'))).size).toBe(3);
  });

  it('continues an evicted series from its state when it comes back before the state was saved', () => {
    const m = new DetectionManager({ maxSeries: 2, anomalyScore: 0.5 });
    for (let i = 0; i < 50; i++) m.ingest([snap('a', i, { x: value(i) })]);
    const before = m.detail('a', 'x')!;
    m.ingest([snap('b', 0, { x: 1 }), snap('c', 0, { x: 1 })]);
    expect(m.detail('a', 'x')).toBeNull();
    m.ingest([snap('a', 50, { x: value(50) })]);
    expect(m.detail('a', 'x')!.samples).toBe(before.samples + 1);
  });

  it('buffers a new series while its state and history load, then scores the buffer in order', async () => {
    const requests: LoadRequest[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hts = Array.from({ length: 300 }, (_, i) => T0 - (300 - i) * STEP);
    const hvs = hts.map((_, i) => value(i));
    const loader = async (reqs: readonly LoadRequest[]): Promise<(SeriesLoad | null)[]> => {
      requests.push([...reqs]);
      await gate;
      return reqs.map((r) => (r.source === 'warm' ? { state: null, timestamps: [...hts, T0 + 5 * STEP], values: [...hvs, 1e9] } : null));
    };
    const m = new DetectionManager({ maxSeries: 100, anomalyScore: 0.6 }, loader);
    const got: Anomaly[] = [];
    m.onAnomaly((a) => got.push(a));
    for (let i = 0; i < 5; i++) m.ingest([snap('warm', i, { x: value(i, 3) }), snap('cold', i, { x: value(i) })]);
    await Promise.resolve();
    expect(requests).toEqual([[
      { source: 'warm', metric: 'x', before: T0 },
      { source: 'cold', metric: 'x', before: T0 },
    ]]);
    expect(m.stats().loading).toBe(2);
    expect(m.detail('warm', 'x')).toBeNull();
    release();
    await m.idle();
    // Warmed with 300 samples of history (the one at or after the first live sample is dropped), then the 5 buffered.
    expect(m.detail('warm', 'x')!.samples).toBe(305);
    expect(m.detail('cold', 'x')!.samples).toBe(5);
    // The cold series is still learning (no scores); the warmed one finds the buffered spike.
    expect(got.map((a) => [a.source, a.timestamp])).toContainEqual(['warm', T0 + 3 * STEP]);
    expect(got.every((a) => a.source === 'warm')).toBe(true);
    expect(m.stats().loading).toBe(0);
  });

  it('prepares a snapshot without scoring it: new series load, and the source is announced ready when the last one has', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const requests: LoadRequest[] = [];
    const m = new DetectionManager({ maxSeries: 100, anomalyScore: 0.6 }, async (reqs) => {
      requests.push(...reqs);
      await gate;
      return reqs.map(() => null);
    });
    const ready: string[] = [];
    m.onSourceReady((source) => ready.push(source));
    expect(m.prepare(snap('a', 0, { x: 1, y: 2 }))).toBe(false);
    expect(m.prepare(snap('a', 1, { x: 1, y: 2 }))).toBe(false);
    await Promise.resolve();
    expect(requests.map((r) => [r.metric, r.before])).toEqual([['x', T0], ['y', T0]]);
    expect(m.stats()).toMatchObject({ loading: 2, samples: 0 });
    release();
    await m.idle();
    expect(ready).toEqual(['a']);
    expect(m.prepare(snap('a', 0, { x: 1, y: 2 }))).toBe(true);
    // The snapshot that started the loads is scored when it is ingested, not before.
    m.ingest([snap('a', 0, { x: 1, y: 2 })]);
    expect(m.detail('a', 'x')!.samples).toBe(1);
    expect(m.stats().late).toBe(0);
  });

  it('asks again, first in line, for the series a loader answered LOAD_AGAIN', async () => {
    const asked: string[][] = [];
    const m = new DetectionManager({ maxSeries: 100, anomalyScore: 0.6, loadBatch: 3 }, async (reqs) => {
      asked.push(reqs.map((r) => r.metric));
      // The first call reads only its first series.
      return reqs.map((_, i) => (asked.length === 1 && i > 0 ? LOAD_AGAIN : null));
    });
    const ready: string[] = [];
    m.onSourceReady((s) => ready.push(s));
    expect(m.prepare(snap('a', 0, { x: 1, y: 2, z: 3, w: 4 }))).toBe(false);
    await m.idle();
    expect(asked).toEqual([['x', 'y', 'z'], ['y', 'z', 'w']]);
    expect(ready).toEqual(['a']);
    expect(m.stats().loading).toBe(0);
  });

  it('starts series cold when the loader fails or a buffer overflows', async () => {
    const errors: string[] = [];
    const m = new DetectionManager(
      { maxSeries: 100, anomalyScore: 0.5, maxBufferedPerSeries: 3 },
      () => Promise.reject(new Error('db down')),
      (_e, what) => errors.push(what),
    );
    for (let i = 0; i < 5; i++) m.ingest([snap('a', i, { x: i })]);
    expect(m.detail('a', 'x')!.samples).toBe(5);
    m.ingest([snap('b', 0, { x: 1 })]);
    await m.idle();
    expect(m.detail('b', 'x')!.samples).toBe(1);
    expect(m.stats()).toMatchObject({ loadsStartedCold: 1, loadErrors: 1, loading: 0 });
    expect(errors.length).toBeGreaterThan(0);
  });

  it('restores a saved state and rejects a damaged one without losing the series', async () => {
    const d = createSeriesDetector();
    for (let i = 0; i < 120; i++) d.update(T0 + i * STEP, value(i));
    const good = d.snapshot();
    const m = new DetectionManager({ maxSeries: 100, anomalyScore: 0.6 }, async (reqs) =>
      reqs.map((r) => ({ state: r.source === 'good' ? good : new Uint8Array([1, 2, 3]), timestamps: [], values: [] })),
    );
    m.ingest([snap('good', 120, { x: value(120) }), snap('bad', 120, { x: 1 })]);
    await m.idle();
    expect(m.detail('good', 'x')!.samples).toBe(121);
    expect(m.detail('bad', 'x')!.samples).toBe(1);
    expect(m.stats().restoreErrors).toBe(1);
  });

  it('delivers every scored sample of a followed series until unfollowed, and isolates throwing listeners', () => {
    const m = new DetectionManager({ maxSeries: 100, anomalyScore: 0.6 });
    const seen: ScoredSample[] = [];
    const learned: number[] = [];
    m.onAnomaly(() => {
      throw new Error('boom');
    });
    const stop = m.follow('a', 'x', (s) => {
      seen.push(s);
      learned.push(s.detail().samples);
    });
    for (let i = 0; i < 3; i++) m.ingest([snap('a', i, { x: i, y: i })]);
    stop();
    m.ingest([snap('a', 3, { x: 3 })]);
    expect(seen.map((s) => s.value)).toEqual([0, 1, 2]);
    expect(learned).toEqual([1, 2, 3]);
    expect(m.metricsOf('a')).toEqual(['x', 'y']);
  });

  it('never evicts a followed series', () => {
    const m = new DetectionManager({ maxSeries: 2, anomalyScore: 0.5 });
    m.follow('kept', 'x', () => {});
    m.ingest([snap('kept', 0, { x: 1 })]);
    for (let s = 0; s < 10; s++) m.ingest([snap(`s${s}`, 1, { x: 1 })]);
    expect(m.detail('kept', 'x')).not.toBeNull();
    expect(m.stats().series).toBeLessThanOrEqual(2);
  });
});

describe('kthSmallest', () => {
  it('agrees with sorting on random and repetitive arrays', async () => {
    const { kthSmallest } = await import('./series-entry.js');
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 50);
    for (let n = 1; n < 60; n++) {
      const values = Array.from({ length: n }, rand);
      const sorted = [...values].sort((a, b) => a - b);
      for (let k = 0; k < n; k++) expect(kthSmallest(Float64Array.from(values), k)).toBe(sorted[k]);
    }
  });
});

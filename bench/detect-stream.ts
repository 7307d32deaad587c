import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSeriesDetector, type SeriesDetector } from '../src/detect/anomaly/index.js';
import { DetectionManager } from '../src/detect/stream/detection-manager.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { FIXED_METRICS } from '../src/model/metric-names.js';
import { figure, type Benchmark, type Figure } from './figure.js';
import { argPositiveOr } from './lib/args.js';

interface Stream {
  readonly sources: number;
  readonly metrics: readonly string[];
  /** Snapshots interleaved across sources, in time order per source (as ingestion sees them). */
  readonly snapshots: readonly MetricSnapshot[];
}

/** Deterministic interleaved stream: every source reports every metric each interval (noise, seasonality, spikes, walks, leaks). */
function makeStream(sources: number, metricsPerSource: number, intervals: number): Stream {
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const metrics = Array.from({ length: metricsPerSource }, (_, i) => FIXED_METRICS[i] ?? `custom_metric_${i}`);
  const base = Float64Array.from({ length: sources * metricsPerSource }, () => 10 + 90 * rand());
  const walk = new Float64Array(sources * metricsPerSource);
  const start = Date.UTC(2026, 0, 1);
  const snapshots: MetricSnapshot[] = [];
  for (let t = 0; t < intervals; t++) {
    const ts = start + t * 10_000;
    const day = Math.sin((2 * Math.PI * ts) / 86_400_000);
    for (let s = 0; s < sources; s++) {
      const values: Record<string, number> = {};
      for (let m = 0; m < metricsPerSource; m++) {
        const k = s * metricsPerSource + m;
        const noise = (rand() - 0.5) * 2;
        let v = base[k]! + noise;
        switch (k % 5) {
          case 1: v += 20 * day; break;
          case 2: if (rand() < 0.01) v += 30; break;
          case 3: v = base[k]! + (walk[k]! += noise); break;
          case 4: v += 0.01 * t; break;
        }
        values[metrics[m]!] = v;
      }
      snapshots.push({ source: `agent-${s}`, timestamp: ts, metrics: values });
    }
  }
  return { sources, metrics, snapshots };
}

/** The same stream with every source replaced by a new name every `lifetime` intervals (staggered): restarts, rescheduled pods. */
function withChurn(stream: Stream, lifetime: number): Stream {
  const start = stream.snapshots[0]!.timestamp;
  const snapshots = stream.snapshots.map((s, i) => {
    const k = i % stream.sources;
    const t = Math.round((s.timestamp - start) / 10_000);
    return { ...s, source: `${s.source}-g${Math.floor((t + k) / lifetime)}` };
  });
  return { ...stream, snapshots };
}

function cpuMicros(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

/** The manager over the stream, one snapshot per call (one message per snapshot, the common case). */
function runManager(stream: Stream, maxSeries: number): { us: number; anomalies: number; evicted: number } {
  const m = new DetectionManager({ maxSeries, anomalyScore: 0.6 });
  let anomalies = 0;
  m.onAnomaly(() => anomalies++);
  const one: MetricSnapshot[] = [stream.snapshots[0]!];
  const us = cpuMicros(() => {
    for (const s of stream.snapshots) {
      one[0] = s;
      m.ingest(one);
    }
  });
  return { us, anomalies, evicted: m.stats().evicted };
}

/** The bare detectors over the same samples, resolved by index: the detector's own cost, no lookup. */
function runBare(stream: Stream): number {
  const per = stream.metrics.length;
  const detectors: SeriesDetector[] = Array.from({ length: stream.sources * per }, () => createSeriesDetector());
  let sink = 0;
  const us = cpuMicros(() => {
    for (let i = 0; i < stream.snapshots.length; i++) {
      const s = stream.snapshots[i]!;
      const row = (i % stream.sources) * per;
      for (let m = 0; m < per; m++) sink += detectors[row + m]!.update(s.timestamp, s.metrics[stream.metrics[m]!]!);
    }
  });
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return us;
}

function liveBytes(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Live bytes per series of a manager holding `count` series (10 metrics per source), against bare detectors in an array. */
function bytesPerSeries(count: number): { manager: number; bare: number } {
  const before = liveBytes();
  const m = new DetectionManager({ maxSeries: count * 2, anomalyScore: 0.6 });
  const metrics = FIXED_METRICS.slice(0, 10);
  for (let k = 0; k < 4; k++) {
    for (let s = 0; s < count / 10; s++) {
      const values: Record<string, number> = {};
      for (const name of metrics) values[name] = s + k;
      m.ingest([{ source: `agent-${s}`, timestamp: 1_700_000_000_000 + k * 10_000, metrics: values }]);
    }
  }
  const manager = (liveBytes() - before) / m.stats().series;
  const before2 = liveBytes();
  const held = Array.from({ length: count }, (_, i) => {
    const d = createSeriesDetector();
    for (let k = 0; k < 4; k++) d.update(1_700_000_000_000 + k * 10_000, i + k);
    return d;
  });
  const bare = (liveBytes() - before2) / held.length;
  if (m.stats().series !== count) throw new Error(`expected ${count} series, got ${m.stats().series}`);
  return { manager, bare };
}

const detectStream: Benchmark = {
  name: 'detect-stream',
  description: 'streaming detection stage: manager + detectors over interleaved snapshots, CPU per sample and bytes per series',
  async run(ctx): Promise<Figure[]> {
    const sources = argPositiveOr(ctx.args, '--sources', 2000);
    const per = argPositiveOr(ctx.args, '--metrics', 10);
    const intervals = argPositiveOr(ctx.args, '--intervals', 200);
    const stream = makeStream(sources, per, intervals);
    const samples = sources * per * intervals;
    ctx.log(`stream: ${sources} sources x ${per} metrics x ${intervals} intervals = ${samples.toLocaleString('en-US')} samples, one snapshot per call`);
    runManager(makeStream(100, per, 50), 1e6);
    const ours = runManager(stream, 1e6);
    const bare = runBare(stream);
    const lifetime = Math.max(2, Math.floor(intervals / 4));
    const churn = runManager(withChurn(stream, lifetime), Math.ceil(sources * per * 1.1));
    ctx.log(`anomalies ${ours.anomalies}; churn run evicted ${churn.evicted.toLocaleString('en-US')} series`);
    const count = argPositiveOr(ctx.args, '--series', 100_000);
    const bytes = bytesPerSeries(count);
    const perSample = ours.us / samples;
    return [
      figure({
        bench: 'detect-stream', name: 'CPU per sample, detection stage (manager + detector)', value: perSample, unit: 'µs',
        reference: { name: 'bare detectors indexed directly, same samples', value: bare / samples, unit: 'µs' },
        target: '<= 1 µs/sample', met: perSample <= 1,
        notes: `manager overhead ${(perSample - bare / samples).toFixed(3)} µs/sample (lookup by source and metric, late check, dispatch)`,
      }),
      figure({
        bench: 'detect-stream', name: 'CPU per sample with series churn and eviction', value: churn.us / samples, unit: 'µs',
        reference: { name: 'same stream, no churn', value: perSample, unit: 'µs' },
        target: '<= 1 µs/sample', met: churn.us / samples <= 1,
        notes: `every source renamed each ${lifetime} intervals, cap 110% of the live series: ${churn.evicted.toLocaleString('en-US')} evictions (state kept for saving)`,
      }),
      figure({
        bench: 'detect-stream', name: 'live bytes per series held by the manager', value: bytes.manager, unit: 'B',
        reference: { name: 'bare detectors in an array', value: bytes.bare, unit: 'B' },
        target: '<= 2 KB/series', met: bytes.manager <= 2048,
        notes: `${count.toLocaleString('en-US')} series; heap + array buffers after GC`,
      }),
    ];
  },
};

export default detectStream;

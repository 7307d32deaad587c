import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSeriesDetector, type SeriesDetector } from '../src/detect/anomaly/index.js';
import { figure, type Benchmark, type Figure } from './figure.js';
import { argPositiveOr } from './lib/args.js';

/** Reference detector: a plain windowed-Gaussian z-score over the last 64 samples (NAB's windowedGaussian idea). */
class WindowedGaussian {
  private readonly window = new Float64Array(64);
  private next = 0;
  private count = 0;
  private sum = 0;
  private sumSq = 0;

  update(_timestamp: number, value: number): number {
    const n = this.count;
    const mean = n > 0 ? this.sum / n : value;
    const variance = n > 1 ? Math.max(0, this.sumSq / n - mean * mean) : 0;
    const z = variance > 0 ? Math.abs(value - mean) / Math.sqrt(variance) : 0;
    if (n === this.window.length) {
      const old = this.window[this.next]!;
      this.sum -= old;
      this.sumSq -= old * old;
    } else this.count++;
    this.window[this.next] = value;
    this.next = (this.next + 1) % this.window.length;
    this.sum += value;
    this.sumSq += value * value;
    return Math.min(1, z / 10);
  }
}

interface Workload {
  readonly series: number;
  readonly perSeries: number;
  /** values[i * series + s]: sample i of series s (interleaved, as ingestion sees them). */
  readonly values: Float64Array;
  readonly timestamps: Float64Array;
}

/** Deterministic mixed workload: noise, daily seasonality, spikes, random walks, leaks. */
function makeWorkload(series: number, perSeries: number): Workload {
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const values = new Float64Array(series * perSeries);
  const timestamps = new Float64Array(perSeries);
  const start = Date.UTC(2024, 0, 1);
  const interval = 10_000;
  for (let i = 0; i < perSeries; i++) timestamps[i] = start + i * interval;
  const walk = new Float64Array(series);
  for (let s = 0; s < series; s++) {
    const kind = s % 5;
    const base = 10 + 90 * rand();
    for (let i = 0; i < perSeries; i++) {
      const noise = (rand() - 0.5) * 2;
      const day = Math.sin((2 * Math.PI * timestamps[i]!) / 86_400_000);
      let v = base + noise;
      if (kind === 1) v += 20 * day;
      else if (kind === 2 && rand() < 0.01) v += 30;
      else if (kind === 3) v = base + (walk[s]! += noise);
      else if (kind === 4) v += 0.01 * i;
      values[i * series + s] = v;
    }
  }
  return { series, perSeries, values, timestamps };
}

/** CPU microseconds per sample of `update` over the interleaved workload. */
function cpuPerSample(w: Workload, make: () => { update(t: number, v: number): number }): { us: number; sink: number } {
  const detectors = Array.from({ length: w.series }, make);
  let sink = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < w.perSeries; i++) {
    const t = w.timestamps[i]!;
    const row = i * w.series;
    for (let s = 0; s < w.series; s++) sink += detectors[s]!.update(t, w.values[row + s]!);
  }
  const used = process.cpuUsage(before);
  return { us: (used.user + used.system) / (w.series * w.perSeries), sink };
}

function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Live bytes per object (JS heap plus array buffers) of `count` objects each fed a few samples. */
function liveBytesPer(count: number, make: () => { update(t: number, v: number): number }): number {
  const gc = gcFunction();
  const measure = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = measure();
  const held = new Array<{ update(t: number, v: number): number }>(count);
  for (let i = 0; i < count; i++) {
    const d = make();
    for (let k = 0; k < 4; k++) d.update(1_700_000_000_000 + k * 10_000, i + k);
    held[i] = d;
  }
  const after = measure();
  if (held.length !== count) throw new Error('unreachable');
  return (after - before) / count;
}

const detect: Benchmark = {
  name: 'detect',
  description: 'streaming anomaly detector cost: CPU per sample over many interleaved series, bytes per series',
  async run(ctx): Promise<Figure[]> {
    const series = argPositiveOr(ctx.args, '--series', 20_000);
    const perSeries = argPositiveOr(ctx.args, '--samples', 200);
    const w = makeWorkload(series, perSeries);
    ctx.log(`workload: ${series} series x ${perSeries} samples, interleaved (${(series * perSeries).toLocaleString('en-US')} samples)`);
    cpuPerSample(makeWorkload(1000, 50), () => createSeriesDetector());
    const ours = cpuPerSample(w, () => createSeriesDetector());
    const ref = cpuPerSample(w, () => new WindowedGaussian());
    ctx.log(`checksums ${ours.sink.toFixed(3)} / ${ref.sink.toFixed(3)}`);
    const probe: SeriesDetector = createSeriesDetector();
    for (let i = 0; i < perSeries; i++) probe.update(w.timestamps[i]!, w.values[i * series + 1]!);
    const snapshotBytes = probe.snapshot().byteLength;
    const count = argPositiveOr(ctx.args, '--detectors', 100_000);
    const liveOurs = liveBytesPer(count, () => createSeriesDetector());
    const liveRef = liveBytesPer(count, () => new WindowedGaussian());
    const netdata = 5 * 1024;
    return [
      figure({
        bench: 'detect', name: 'CPU per sample, streaming stage', value: ours.us, unit: 'µs',
        reference: { name: 'windowed Gaussian z-score, same samples', value: ref.us, unit: 'µs' },
        target: '<= 1 µs/sample', met: ours.us <= 1,
        notes: `${(series * perSeries).toLocaleString('en-US')} samples over ${series} interleaved series`,
      }),
      figure({
        bench: 'detect', name: 'snapshot bytes per series', value: snapshotBytes, unit: 'B',
        reference: { name: 'Netdata trained models per metric (documented)', value: netdata, unit: 'B' },
        target: '<= 2 KB/series', met: snapshotBytes <= 2048,
      }),
      figure({
        bench: 'detect', name: 'live heap bytes per series', value: liveOurs, unit: 'B',
        reference: { name: 'windowed Gaussian (64-sample window), measured', value: liveRef, unit: 'B' },
        target: '<= 2 KB/series', met: liveOurs <= 2048,
        notes: `${count.toLocaleString('en-US')} detectors held, heap + array buffers after GC; Netdata documents ~5 KiB/metric`,
      }),
    ];
  },
};

export default detect;

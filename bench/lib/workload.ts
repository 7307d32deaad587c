import { FIXED_METRICS } from '../../src/model/metric-names.js';
/**
 * A deterministic, realistic metrics workload: many agents, each publishing snapshots of
 * `metricsPerSnapshot` metrics at a fixed interval. Values look like real agent metrics (gauges
 * with a few decimals, byte counts, counters, small integers), not random doubles, because
 * storage layouts and compressors behave very differently on the two.
 */
export interface Workload {
  readonly sources: number;
  readonly metricsPerSnapshot: number;
  readonly snapshotsPerSource: number;
  readonly intervalMs: number;
  readonly start: number;
}

/** A wire-shaped snapshot. */
export interface WireSnapshot {
  source: string;
  host: string;
  timestamp: number;
  metrics: Record<string, number>;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Metric names of the workload: the fixed PROTOCOL.md names first, then generic ones. */
export function workloadMetricNames(n: number): string[] {
  // An agent's own figures: the fixed names without the host's disk, network and load.
  const fixed = FIXED_METRICS.filter((m) => !/^(disk_|network_|load_)/.test(m));
  const names: string[] = fixed.slice(0, n);
  for (let i = names.length; i < n; i++) names.push(`custom_metric_${i}`);
  return names;
}

/** Generates the snapshots of the workload in time order (all sources at t0, then t1, ...). */
export function* generateSnapshots(w: Workload): Generator<WireSnapshot> {
  const names = workloadMetricNames(w.metricsPerSnapshot);
  const rand = rng(42);
  const level = Array.from({ length: w.sources * names.length }, () => rand());
  for (let k = 0; k < w.snapshotsPerSource; k++) {
    const timestamp = w.start + k * w.intervalMs;
    for (let s = 0; s < w.sources; s++) {
      const metrics: Record<string, number> = {};
      for (let m = 0; m < names.length; m++) {
        const idx = s * names.length + m;
        const drift = (rand() - 0.5) * 0.02;
        level[idx] = Math.min(1, Math.max(0, level[idx]! + drift));
        const v = level[idx]!;
        let value: number;
        switch (m % 6) {
          case 0:
            value = Math.round(v * 10000) / 100;
            break;
          case 1:
            value = Math.round(5e7 + v * 4e8);
            break;
          case 2:
            value = Math.round(v * 1000) / 1000;
            break;
          case 3:
            value = Math.floor(v * 20);
            break;
          case 4:
            value = Math.round((v * 250 + rand()) * 10) / 10;
            break;
          default:
            value = (k + 1) * (1 + Math.floor(v * 100));
        }
        metrics[names[m]!] = value;
      }
      yield { source: `agent-${s}`, host: `node-${s % 16}`, timestamp, metrics };
    }
  }
}

import type { MetricSnapshot } from '../../src/model/snapshot.js';
import { Random } from '../../src/tools/simulate/synthetic/random.js';

/** A step of an agent's latency: from `at` on, latency is `factor` times its usual level. */
export interface LatencyStep {
  readonly at: number;
  readonly factor: number;
}

/**
 * Snapshots of one SDK agent every `intervalMs` in [from, until): handler latency (log-normal
 * noise around 40 ms times the step in force), its load `handler_calls_per_sec` (noisy, around
 * 200/s, latency following it mildly) and CPU. Deterministic for a seed.
 */
export function agentStream(source: string, from: number, until: number, steps: readonly LatencyStep[], opts: { seed?: number; intervalMs?: number } = {}): MetricSnapshot[] {
  const rng = new Random(opts.seed ?? 1);
  const out: MetricSnapshot[] = [];
  for (let t = from; t < until; t += opts.intervalMs ?? 10_000) {
    const factor = steps.filter((s) => s.at <= t).at(-1)?.factor ?? 1;
    const load = 200 * rng.logNormal(0.15);
    const latency = 40 * factor * (load / 200) ** 0.5 * rng.logNormal(0.12);
    out.push({ source, timestamp: t, metrics: { handler_latency_p95_ms: Math.round(latency * 1000) / 1000, handler_calls_per_sec: Math.round(load * 100) / 100, cpu_usage: Math.round(30 * rng.logNormal(0.1) * 100) / 100 } });
  }
  return out;
}

import type { Sample } from '../../src/model/snapshot.js';
import { agentFigures, drawTraits } from '../../src/tools/simulate/synthetic/agent-model.js';
import { noAgentEffects } from '../../src/tools/simulate/synthetic/injections.js';
import { Random } from '../../src/tools/simulate/synthetic/random.js';

const DAY = 86_400_000;

/** One replayed change: what the stream around it looks like. */
export interface ChangeScenario {
  readonly name: string;
  /** True relative effect of the change on latency (+0.25: 25 % slower; 0: none). */
  readonly shift: number;
  /** Daily load amplitude as a share of the mean (0: flat). */
  readonly seasonality: number;
  /** Relative step of traffic at the change, drawn between these bounds (0, 0: none). */
  readonly trafficRise: readonly [number, number];
  /** Whether the source publishes handler_calls_per_sec. */
  readonly publishLoad: boolean;
}

/** A generated stream around one change. */
export interface ChangeStream {
  readonly appliedAt: number;
  readonly latency: Sample[];
  readonly load: Sample[] | null;
}

/** What to generate around the change. */
export interface StreamSpan {
  readonly intervalMs: number;
  /** Event time generated before and after the change. */
  readonly beforeMs: number;
  readonly afterMs: number;
}

/** A slowly wandering log-factor: AR(1) with stationary spread `sd` and correlation time `tauMs`. */
function wander(rng: Random, sd: number, tauMs: number, intervalMs: number): () => number {
  const phi = Math.exp(-intervalMs / tauMs);
  let x = sd * rng.normal();
  return () => (x = phi * x + sd * Math.sqrt(1 - phi * phi) * rng.normal());
}

/**
 * A synthetic SDK agent around one change, by the simulator's agent model (utilisation follows
 * load, queueing stretches latency as the loop fills, log-normal noise, rare 2-6x hiccups): its
 * handler_latency_p95_ms and handler_calls_per_sec. Traffic wanders over minutes beside its daily
 * cycle, and latency has a slow wander of its own (downstream calls, GC), so consecutive samples
 * are correlated as in real agents. The change multiplies latency by 1 + shift from `appliedAt`
 * on; traffic may step up at the same instant; the daily cycle's phase is drawn, so a window falls
 * anywhere on the day's rise or fall.
 */
export function changeStream(seed: number, sc: ChangeScenario, span: StreamSpan): ChangeStream {
  const rng = new Random(seed);
  const traits = drawTraits(rng, (1 + sc.seasonality) * (1 + sc.trafficRise[1]) * 1.1);
  const appliedAt = Date.UTC(2026, 10, 23) + Math.floor(rng.next() * DAY);
  const phase = rng.next() * DAY;
  const rise = rng.between(sc.trafficRise[0], sc.trafficRise[1] + 1e-9);
  const latency: Sample[] = [];
  const load: Sample[] = [];
  const effect = { ...noAgentEffects() };
  const traffic = wander(rng, 0.08, 120_000, span.intervalMs);
  const slow = wander(rng, 0.08, 60_000, span.intervalMs);
  for (let t = appliedAt - span.beforeMs; t <= appliedAt + span.afterMs; t += span.intervalMs) {
    const after = t >= appliedAt;
    const daily = 1 + sc.seasonality * Math.sin((2 * Math.PI * (t - phase)) / DAY);
    const l = daily * (after ? 1 + rise : 1) * Math.exp(traffic()) * rng.logNormal(0.05);
    effect.latencyMul = (after ? 1 + sc.shift : 1) * Math.exp(slow());
    const f = agentFigures(traits, rng, l, span.intervalMs, 1, 0, effect);
    latency.push({ timestamp: t, value: f.handler_latency_p95_ms! });
    load.push({ timestamp: t, value: Math.round(traits.rps * l * 100) / 100 });
  }
  return { appliedAt, latency, load: sc.publishLoad ? load : null };
}

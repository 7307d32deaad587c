import type { MetricSnapshot } from '../../../model/snapshot.js';
import { agentFigures, drawTraits, hostFigures, type AgentTraits } from './agent-model.js';
import { agentEffects, hostEffects, INJECTED_KINDS, noAgentEffects, noHostEffects, victimEffects, type InjectedKind, type Injection } from './injections.js';
import { Random } from './random.js';

/** What a synthetic platform looks like; every field but `start` has a default. */
export interface SyntheticOptions {
  readonly seed: number;
  /** Epoch ms of the first snapshot. */
  readonly start: number;
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly agents: number;
  readonly hosts: number;
  /** Noise multiplier (1: the default spreads). */
  readonly noise: number;
  /** Daily amplitude of the load, as a share of its mean (0: flat). */
  readonly seasonality: number;
  /** Load steps per day (sustained changes of 0.6x to 1.8x). */
  readonly loadStepsPerDay: number;
  /** Size multiplier of injected bottlenecks (1: the default). */
  readonly injectionSize: number;
  /** Event time before the first episode, and between an episode's end and the next start (min, max). */
  readonly warmupMs: number;
  readonly gapMs: readonly [number, number];
  readonly episodeMs: readonly [number, number];
  /** Kinds injected in turn (shuffled per round). */
  readonly kinds: readonly InjectedKind[];
  /** Share of memory_pressure episodes caused by the host rather than one agent. */
  readonly hostPressureShare: number;
  /** Version deployments per agent per day that change nothing (a label change alone is not a regression). */
  readonly quietDeploysPerDay: number;
}

/** Defaults: 4 agents on 2 hosts reporting every 15 s for 2 days, one episode every few hours. */
export const SYNTHETIC_DEFAULTS: Omit<SyntheticOptions, 'start'> = Object.freeze({
  seed: 1,
  durationMs: 2 * 86_400_000,
  intervalMs: 15_000,
  agents: 4,
  hosts: 2,
  noise: 1,
  seasonality: 0.4,
  loadStepsPerDay: 3,
  injectionSize: 1,
  warmupMs: 3 * 3_600_000,
  gapMs: [2 * 3_600_000, 4 * 3_600_000] as const,
  episodeMs: [10 * 60_000, 40 * 60_000] as const,
  kinds: INJECTED_KINDS,
  hostPressureShare: 0.3,
  quietDeploysPerDay: 1,
});

/** One injected episode as ground truth (the simulator's truth shape, with the source). */
export interface SyntheticEpisode {
  readonly kind: InjectedKind;
  /** The source diagnosis should name: the agent, or the host for host memory pressure. */
  readonly source: string;
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

/** A generated stream: snapshots in time order, and its ground truth. */
export interface SyntheticStream {
  readonly truth: readonly SyntheticEpisode[];
  readonly agentIds: readonly string[];
  readonly hostIds: readonly string[];
  /** Yields every snapshot in time order (agents and hosts interleaved). */
  snapshots(): Generator<MetricSnapshot>;
}

const DAY = 86_400_000;

/** Load steps: times and factors, piecewise constant. */
function planSteps(rng: Random, o: SyntheticOptions): { at: number; factor: number }[] {
  const steps = [{ at: o.start, factor: 1 }];
  const count = Math.round((o.loadStepsPerDay * o.durationMs) / DAY);
  for (let i = 0; i < count; i++) steps.push({ at: o.start + rng.next() * o.durationMs, factor: rng.between(0.6, 1.8) });
  return steps.sort((a, b) => a.at - b.at);
}

function planInjections(rng: Random, o: SyntheticOptions): Injection[] {
  const out: Injection[] = [];
  let at = o.start + o.warmupMs;
  let bag: InjectedKind[] = [];
  const end = o.start + o.durationMs;
  for (;;) {
    const length = rng.between(o.episodeMs[0], o.episodeMs[1]);
    if (at + length > end) break;
    if (bag.length === 0) bag = [...o.kinds].sort(() => rng.next() - 0.5);
    const kind = bag.pop()!;
    const agent = rng.int(0, o.agents - 1);
    const hostCause = kind === 'memory_pressure' && rng.chance(o.hostPressureShare);
    out.push({ kind, agent: hostCause ? -1 : agent, host: agent % o.hosts, start: at, end: at + length, size: o.injectionSize * rng.between(0.7, 1.4), draw: Array.from({ length: 5 }, () => rng.next()) });
    at += length + rng.between(o.gapMs[0], o.gapMs[1]);
  }
  return out;
}

/**
 * Builds a synthetic platform stream: agents with the fixed metric names of PROTOCOL.md amid
 * normal noise, a daily load cycle, load steps, hiccups and quiet deployments, and one bottleneck
 * of the closed set injected at a time with its multi-metric signature (docs/diagnosis.md). Hosts
 * report too. Deterministic for a seed; snapshots are generated lazily.
 */
export function syntheticStream(options: Partial<SyntheticOptions> & Pick<SyntheticOptions, 'start'>): SyntheticStream {
  const o: SyntheticOptions = { ...SYNTHETIC_DEFAULTS, ...options };
  const plan = new Random(o.seed);
  const steps = planSteps(plan, o);
  const injections = planInjections(plan, o);
  const peak = (1 + o.seasonality) * 1.8;
  const traits: AgentTraits[] = Array.from({ length: o.agents }, () => drawTraits(plan, peak));
  const offsets = traits.map(() => plan.next() * o.intervalMs);
  const phases = traits.map(() => plan.between(0, DAY));
  const sawPeriods = traits.map(() => plan.between(3, 12));
  const deploys = traits.map(() => {
    const n = Math.round((o.quietDeploysPerDay * o.durationMs) / DAY);
    return Array.from({ length: n }, () => o.start + plan.next() * o.durationMs).sort((a, b) => a - b);
  });
  const agentIds = traits.map((_, i) => `syn-agent-${i}`);
  const hostIds = Array.from({ length: o.hosts }, (_, h) => `syn-host-${h}`);
  const truth: SyntheticEpisode[] = injections.map((i) => ({ kind: i.kind, source: i.agent < 0 ? hostIds[i.host]! : agentIds[i.agent]!, start: i.start, end: i.end, size: i.size }));

  function* snapshots(): Generator<MetricSnapshot> {
    const rng = new Random(o.seed ^ 0x5bd1e995);
    let step = 0;
    for (let tick = 0, t0 = o.start; t0 < o.start + o.durationMs; tick++, t0 = o.start + tick * o.intervalMs) {
      while (step + 1 < steps.length && steps[step + 1]!.at <= t0) step++;
      const active = injections.find((i) => i.start <= t0 + o.intervalMs && t0 < i.end);
      const perHost: { traits: AgentTraits; figures: Record<string, number> }[][] = hostIds.map(() => []);
      const out: MetricSnapshot[] = [];
      for (let a = 0; a < o.agents; a++) {
        const ts = Math.round(t0 + offsets[a]!);
        const daily = 1 + o.seasonality * Math.sin((2 * Math.PI * (ts - o.start - phases[a]!)) / DAY);
        const load = daily * steps[step]!.factor * rng.logNormal(0.05 * o.noise);
        const hostIndex = a % o.hosts;
        const on = active && ts >= active.start && ts < active.end ? active : null;
        const effects = on === null ? noAgentEffects() : on.agent === a ? agentEffects(on, ts - on.start, o.intervalMs, rng, traits[a]!.heapBytes) : on.agent < 0 && on.host === hostIndex ? victimEffects(on, ts - on.start, o.intervalMs) : noAgentEffects();
        const figures = agentFigures(traits[a]!, rng, load, o.intervalMs, o.noise, (tick * o.intervalMs) / 60_000 / sawPeriods[a]!, effects);
        perHost[hostIndex]!.push({ traits: traits[a]!, figures });
        const deployed = deploys[a]!.filter((d) => d <= ts).length;
        const version = effects.version ?? `v1.${deployed}.0`;
        out.push({ source: agentIds[a]!, host: hostIds[hostIndex]!, timestamp: ts, metrics: figures, labels: { version, region: hostIndex % 2 === 0 ? 'eu-west' : 'us-east' } });
      }
      for (let h = 0; h < o.hosts; h++) {
        const on = active && t0 >= active.start && t0 < active.end && active.host === h ? active : null;
        const effects = on ? hostEffects(on, t0 - on.start, o.intervalMs) : noHostEffects();
        out.push({ source: hostIds[h]!, host: hostIds[h]!, timestamp: Math.round(t0 + o.intervalMs / 2), metrics: hostFigures(perHost[h]!, rng, o.noise, effects) });
      }
      out.sort((x, y) => x.timestamp - y.timestamp);
      yield* out;
    }
  }
  return { truth, agentIds, hostIds, snapshots };
}

import type { BottleneckKind } from '../../model/bottleneck.js';
import { SCENARIOS, type ScenarioName } from './scenario-catalog.js';

/** One bottleneck episode as it really happened: what later issues score detection against. */
export interface TruthEpisode {
  readonly scenario: ScenarioName;
  readonly kind: BottleneckKind;
  /** The agent id, as the source of its metrics. */
  readonly agent: string;
  /** RFC 3339 onset, as the agent reported switching the scenario on. */
  readonly start: string;
  /** RFC 3339 end, as the agent reported switching it off. */
  readonly end: string;
}

/** The `--truth` file. */
export interface Truth {
  readonly episodes: readonly TruthEpisode[];
}

/** An episode the agent confirmed starting (and, once over, ending), epoch ms. */
export interface ObservedEpisode {
  readonly scenario: ScenarioName;
  readonly agent: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Builds the ground truth from the observed episodes, in onset order. */
export function buildTruth(observed: readonly ObservedEpisode[]): Truth {
  return {
    episodes: [...observed]
      .sort((a, b) => a.startedAt - b.startedAt || a.agent.localeCompare(b.agent))
      .map((o) => ({
        scenario: o.scenario,
        kind: SCENARIOS[o.scenario].kind,
        agent: o.agent,
        start: new Date(o.startedAt).toISOString(),
        end: new Date(o.endedAt).toISOString(),
      })),
  };
}

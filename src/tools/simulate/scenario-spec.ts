import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenario-catalog.js';

/** A `--scenario NAME[@start+length][:agent]` option as written. */
export interface ScenarioSpec {
  readonly scenario: ScenarioName;
  /** Seconds from the start of the run; 0 when not given. */
  readonly startS: number;
  /** Seconds it lasts; null runs to the end. */
  readonly lengthS: number | null;
  /** Agent index or id; null means agent 0. */
  readonly agent: string | null;
}

/** A scenario placed on one agent over a stretch of the run, in seconds from its start. */
export interface PlannedEpisode {
  readonly id: number;
  readonly scenario: ScenarioName;
  readonly agentIndex: number;
  readonly startS: number;
  readonly endS: number;
}

const SPEC = /^([a-z_]+)(?:@(\d+(?:\.\d+)?)(?:\+(\d+(?:\.\d+)?))?)?(?::([A-Za-z0-9_.:-]+))?$/;

/** Parses one `--scenario` value; throws an Error whose message is the one-line reason. */
export function parseScenarioSpec(text: string): ScenarioSpec {
  const m = SPEC.exec(text.trim());
  if (!m) throw new Error(`--scenario ${JSON.stringify(text)}: expected NAME[@START[+LENGTH]][:AGENT], e.g. cpu_hog@30+60:1`);
  const name = m[1]!;
  if (!isScenarioName(name)) throw new Error(`--scenario ${JSON.stringify(text)}: unknown scenario "${name}" (one of ${SCENARIO_NAMES.join(', ')})`);
  const lengthS = m[3] === undefined ? null : Number(m[3]);
  if (lengthS !== null && lengthS <= 0) throw new Error(`--scenario ${JSON.stringify(text)}: the length must be above 0 seconds`);
  return { scenario: name, startS: m[2] === undefined ? 0 : Number(m[2]), lengthS, agent: m[4] ?? null };
}

/**
 * Places the specs on the run: resolves the agent (an index 0..N-1, or an id from `agentIds`),
 * clips each episode to the run's duration, and refuses episodes that fall outside it or overlap
 * another of the same scenario on the same agent.
 */
export function planEpisodes(specs: readonly ScenarioSpec[], agentIds: readonly string[], durationS: number): PlannedEpisode[] {
  const episodes = specs.map((s, id): PlannedEpisode => {
    const label = `${s.scenario}${s.agent === null ? '' : `:${s.agent}`}`;
    let agentIndex = 0;
    if (s.agent !== null) {
      agentIndex = /^\d+$/.test(s.agent) ? Number(s.agent) : agentIds.indexOf(s.agent);
      if (agentIndex < 0 || agentIndex >= agentIds.length) {
        throw new Error(`--scenario ${label}: no agent "${s.agent}" (agents are 0..${agentIds.length - 1} or ${agentIds[0]}..${agentIds[agentIds.length - 1]})`);
      }
    }
    if (s.startS >= durationS) throw new Error(`--scenario ${label}: starts at ${s.startS} s, after the ${durationS} s run`);
    const endS = s.lengthS === null ? durationS : Math.min(durationS, s.startS + s.lengthS);
    return { id, scenario: s.scenario, agentIndex, startS: s.startS, endS };
  });
  for (const a of episodes) {
    for (const b of episodes) {
      if (a.id < b.id && a.scenario === b.scenario && a.agentIndex === b.agentIndex && a.startS < b.endS && b.startS < a.endS) {
        throw new Error(`--scenario: two ${a.scenario} episodes overlap on agent ${agentIds[a.agentIndex]}`);
      }
    }
  }
  return episodes;
}

import type { AgentProcess } from './agent-process.js';
import type { PlannedEpisode } from './scenario-spec.js';
import type { AgentMessage } from './sim-protocol.js';
import type { ObservedEpisode } from './truth.js';

/** Longest wait for an agent to confirm switching a scenario off at the end of the run. */
const STOP_ACK_MS = 5000;

interface Tracked {
  readonly plan: PlannedEpisode;
  startedAt: number | null;
  endedAt: number | null;
  ended: Promise<void>;
  markEnded: () => void;
}

/**
 * Switches the planned scenarios on and off in their agents at their times (seconds after
 * `start`), and records when each agent confirmed it: those times, not the planned ones, are the
 * ground truth. Episodes still on at the end are switched off by `finish`.
 */
export class EpisodeScheduler {
  readonly #tracked: Tracked[];
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    plans: readonly PlannedEpisode[],
    private readonly agents: readonly AgentProcess[],
    private readonly log: (line: string) => void,
  ) {
    this.#tracked = plans.map((plan) => {
      let markEnded = (): void => undefined;
      const ended = new Promise<void>((resolve) => (markEnded = resolve));
      return { plan, startedAt: null, endedAt: null, ended, markEnded };
    });
  }

  #byEpisode(episode: number): Tracked | undefined {
    return this.#tracked.find((t) => t.plan.id === episode);
  }

  #onMessage(agentIndex: number, m: AgentMessage): void {
    const id = this.agents[agentIndex]!.config.agentId;
    if (m.type === 'scenario_started') {
      const t = this.#byEpisode(m.episode);
      if (!t) return;
      t.startedAt = m.at;
      this.log(`${t.plan.scenario} on ${id} at ${new Date(m.at).toISOString()}`);
    } else if (m.type === 'scenario_stopped') {
      const t = this.#byEpisode(m.episode);
      if (!t) return;
      t.endedAt = m.at;
      t.markEnded();
      this.log(`${t.plan.scenario} off ${id} at ${new Date(m.at).toISOString()}`);
    } else if (m.type === 'scenario_failed') {
      const t = this.#byEpisode(m.episode);
      this.log(`${t?.plan.scenario ?? 'scenario'} failed on ${id}: ${m.message}`);
      t?.markEnded();
    }
  }

  /** Arms the timers from now, the run's start. */
  start(durationS: number): void {
    this.agents.forEach((agent, index) => agent.onMessage((m) => this.#onMessage(index, m)));
    for (const t of this.#tracked) {
      const agent = this.agents[t.plan.agentIndex]!;
      this.#timers.push(setTimeout(() => agent.send({ type: 'start_scenario', episode: t.plan.id, scenario: t.plan.scenario }), t.plan.startS * 1000));
      if (t.plan.endS < durationS) this.#timers.push(setTimeout(() => this.#stopOne(t), t.plan.endS * 1000));
    }
  }

  #stopOne(t: Tracked): void {
    if (t.startedAt === null || t.endedAt !== null) {
      t.markEnded();
      return;
    }
    this.agents[t.plan.agentIndex]!.send({ type: 'stop_scenario', episode: t.plan.id });
  }

  /** Disarms the timers and switches off what is still on, waiting (bounded) for the agents to confirm. */
  async finish(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    const open = this.#tracked.filter((t) => t.startedAt !== null && t.endedAt === null);
    for (const t of open) this.#stopOne(t);
    await Promise.race([Promise.all(open.map((t) => t.ended)), new Promise((r) => setTimeout(r, STOP_ACK_MS).unref())]);
  }

  /** The episodes that really ran; one whose end was never confirmed ends at `fallbackEnd`. */
  observed(fallbackEnd: number): ObservedEpisode[] {
    return this.#tracked
      .filter((t) => t.startedAt !== null)
      .map((t) => ({
        scenario: t.plan.scenario,
        agent: this.agents[t.plan.agentIndex]!.config.agentId,
        startedAt: t.startedAt!,
        endedAt: t.endedAt ?? fallbackEnd,
      }));
  }
}

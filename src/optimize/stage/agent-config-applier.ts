import { AgentConfigError, requestAgentConfigUpdate, requestAgentTunables } from '../../bus/agent-config-client.js';
import type { Bus } from '../../bus/bus.js';
import type { TunableValue } from '../../model/agent-tunable.js';
import { ACTION_PARAMS } from '../../wire/optimizing.js';
import { wireAjv } from '../../wire/wire-ajv.js';
import type { ActionApplier, ActionStep } from '../proposal.js';

const checkParams = wireAjv.compile(ACTION_PARAMS.set_agent_config);

/** Options of the agent configuration applier. */
export interface AgentConfigApplierOptions {
  /** The engine's bus (under its subject prefix). */
  readonly bus: Bus;
  /** Longest wait for each reply; default 10,000 ms. */
  readonly timeoutMs?: number;
  /** Told of each update (agent, key, from, to). */
  readonly log?: { info(fields: object, message: string): void };
}

const isTunableValue = (v: unknown): v is TunableValue => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';

/**
 * Applies `set_agent_config` to an SDK agent: asks for its tunables (`agent.<agent_id>.tunables`),
 * and unless the key already has the value, publishes `config.<agent_id>.updated` with it and
 * waits for the agent's `ok` (the agent checks type and bounds and refuses what does not fit).
 * Idempotent. A current value that is neither the step's `previous` nor its target was changed by
 * someone else since the proposal: refused (`conflict`) rather than overwritten. Errors are
 * `AgentConfigError`.
 */
export function createAgentConfigApplier(o: AgentConfigApplierOptions): ActionApplier {
  const timeoutMs = o.timeoutMs ?? 10_000;
  return {
    actions: ['set_agent_config'],
    async apply(step: ActionStep): Promise<void> {
      if (step.action !== 'set_agent_config' || !checkParams(step.params)) {
        const e = checkParams.errors?.[0];
        throw new AgentConfigError('invalid_request', `not a set_agent_config step: params${e?.instancePath ?? ''}: ${e?.message ?? step.action}`, false);
      }
      const p = step.params as { agent_id: string; key: string; value: unknown; previous?: unknown };
      if (!isTunableValue(p.value)) throw new AgentConfigError('invalid_request', `${p.key}: a tunable value is a number, boolean or string, not ${JSON.stringify(p.value)}`, false);
      const tunables = await requestAgentTunables(o.bus, p.agent_id, { timeoutMs });
      const t = tunables.find((x) => x.name === p.key);
      if (t === undefined) throw new AgentConfigError('unknown_key', `agent ${p.agent_id} has no tunable ${p.key} (it has: ${tunables.map((x) => x.name).join(', ') || 'none'})`, true);
      if (t.value === p.value) return;
      if (p.previous !== undefined && t.value !== p.previous) {
        throw new AgentConfigError(
          'conflict',
          `agent ${p.agent_id} has ${p.key} = ${JSON.stringify(t.value)}, neither the expected ${JSON.stringify(p.previous)} nor ${JSON.stringify(p.value)}: changed by someone else`,
          false,
        );
      }
      const applied = await requestAgentConfigUpdate(o.bus, p.agent_id, { [p.key]: p.value }, { timeoutMs });
      o.log?.info({ agent_id: p.agent_id, key: p.key, from: t.value, to: p.value, at: applied.at }, `set_agent_config: ${p.agent_id} ${p.key} set`);
    },
  };
}

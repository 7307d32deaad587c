import type { ValidateFunction } from 'ajv';
import { isValidName } from '../model/metric-names.js';
import type { TunableDescriptor, TunableValue } from '../model/agent-tunable.js';
import { AGENT_CONFIG_ERROR_CODES, AgentConfigReply, type AgentConfigErrorCode, AgentTunablesReply } from '../wire/agent-config.js';
import { encodeJson } from '../wire/json.js';
import { agentConfigSubject, agentTunablesSubject } from '../wire/subjects.js';
import { wireAjv } from '../wire/wire-ajv.js';
import { BusTimeoutError, NoRespondersError, type Bus } from './bus.js';

const checkTunablesReply = wireAjv.compile<AgentTunablesReply>(AgentTunablesReply);
const checkConfigReply = wireAjv.compile<AgentConfigReply>(AgentConfigReply);
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Why a tunables request or a configuration update failed on the requester's side (`conflict`:
 * the value is not what the requester expected to change, see the set_agent_config applier).
 */
export const CONFIG_CLIENT_ERROR_CODES = ['timeout', 'no_responders', 'invalid_reply', 'bus_error', 'invalid_request', 'conflict'] as const;

/** Every code an `AgentConfigError` carries: the requester's own, or the agent's (`remote`). */
export type AgentConfigFailureCode = (typeof CONFIG_CLIENT_ERROR_CODES)[number] | AgentConfigErrorCode;

/** A tunables request or configuration update that failed: no answer, a bad answer, or the agent's refusal (`remote`). */
export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
  constructor(
    readonly code: AgentConfigFailureCode,
    message: string,
    readonly remote: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Limits of the requests. */
export interface ConfigClientOptions {
  /** How long to wait for the reply; default 5,000 ms (tunables), 10,000 ms (updates, which the agent applies first). */
  readonly timeoutMs?: number;
}

/** What an agent did with an update. */
export interface AppliedConfig {
  readonly changed: readonly { key: string; previous: TunableValue; value: TunableValue }[];
  readonly unchanged: readonly string[];
  readonly at: string;
}

async function ask<R extends { ok: boolean }>(bus: Bus, agentId: string, subject: string, body: unknown, timeoutMs: number, check: ValidateFunction<R>): Promise<R> {
  if (!isValidName(agentId)) throw new AgentConfigError('invalid_request', `agent id "${agentId.slice(0, 140)}" is not a valid name`, false);
  let data: Uint8Array;
  try {
    data = (await bus.request(subject, encodeJson(body), timeoutMs)).data;
  } catch (err) {
    if (err instanceof BusTimeoutError) throw new AgentConfigError('timeout', `agent ${agentId} did not answer on ${subject} within ${timeoutMs} ms`, false, { cause: err });
    if (err instanceof NoRespondersError) throw new AgentConfigError('no_responders', `no agent ${agentId} answers on ${subject}`, false, { cause: err });
    throw new AgentConfigError('bus_error', `request to ${subject} failed: ${(err as Error).message}`, false, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new AgentConfigError('invalid_reply', `agent ${agentId} replied on ${subject} with something that is not UTF-8 JSON`, false, { cause: err });
  }
  if (!check(value)) {
    const e = check.errors?.[0];
    throw new AgentConfigError('invalid_reply', `agent ${agentId} replied on ${subject}: reply${e?.instancePath.replace(/\//g, '.') ?? ''}: ${e?.message ?? 'invalid'}`, false);
  }
  if (!value.ok) {
    const { code, message } = (value as unknown as { error: { code: string; message: string } }).error;
    const known = (AGENT_CONFIG_ERROR_CODES as readonly string[]).includes(code);
    throw new AgentConfigError(known ? (code as AgentConfigErrorCode) : 'apply_failed', `agent ${agentId}: ${code}: ${message}`, true);
  }
  return value;
}

/** Asks an SDK agent for its tunables on `agent.<agent_id>.tunables`; throws only `AgentConfigError`. */
export async function requestAgentTunables(bus: Bus, agentId: string, opts: ConfigClientOptions = {}): Promise<TunableDescriptor[]> {
  const r = await ask(bus, agentId, agentTunablesSubject(agentId), {}, opts.timeoutMs ?? 5000, checkTunablesReply);
  return (r as Extract<AgentTunablesReply, { ok: true }>).tunables as TunableDescriptor[];
}

/**
 * Sends `config.<agent_id>.updated` with `values` and waits for the agent to have applied them
 * (the agent checks the whole update first and applies nothing of a refused one); throws only
 * `AgentConfigError`, with the agent's code (`remote`) when it refused.
 */
export async function requestAgentConfigUpdate(
  bus: Bus,
  agentId: string,
  values: Readonly<Record<string, TunableValue>>,
  opts: ConfigClientOptions = {},
): Promise<AppliedConfig> {
  const r = await ask(bus, agentId, agentConfigSubject(agentId), values, opts.timeoutMs ?? 10_000, checkConfigReply);
  const ok = r as Extract<AgentConfigReply, { ok: true }>;
  return { changed: ok.changed, unchanged: ok.unchanged, at: ok.at };
}

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import { TUNABLE_NAME_PATTERN, TUNABLE_ROLES, TUNABLE_TYPES, type TunableDescriptor, type TunableValue } from '../model/agent-tunable.js';
import { Name, OutboundTimestamp, literalUnion } from './common.js';
import { wireAjv } from './wire-ajv.js';

const Value = Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 1024 })], { description: 'a tunable value' });
const ErrorReply = (codes: readonly string[]) =>
  Type.Object({ ok: Type.Literal(false), error: Type.Object({ code: literalUnion(codes), message: Type.String() }) });

/** Why an agent refused a configuration update. */
export const AGENT_CONFIG_ERROR_CODES = ['invalid_json', 'invalid_request', 'unknown_key', 'invalid_value', 'out_of_bounds', 'not_live', 'apply_failed', 'unavailable'] as const;
/** One of {@link AGENT_CONFIG_ERROR_CODES}. */
export type AgentConfigErrorCode = (typeof AGENT_CONFIG_ERROR_CODES)[number];

/** A tunable as the agent publishes it (model/agent-tunable.ts). */
export const TunableDescriptorWire = Type.Object(
  {
    name: Type.String({ pattern: TUNABLE_NAME_PATTERN }),
    type: literalUnion(TUNABLE_TYPES),
    value: Value,
    default: Value,
    minimum: Type.Optional(Type.Number()),
    maximum: Type.Optional(Type.Number()),
    enum: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    role: Type.Optional(literalUnion(TUNABLE_ROLES)),
    affects: Type.Array(Name, { description: 'metrics the setting moves' }),
    description: Type.String(),
    live: Type.Boolean({ description: 'false: published, but updates of it are refused' }),
  },
  { additionalProperties: true },
);

/** `config.<agent_id>.updated`: new values of some of an agent's tunables (project extension). */
export const AgentConfigUpdate = Type.Record(Type.String({ pattern: TUNABLE_NAME_PATTERN }), Value, {
  $id: 'config.{agent_id}.updated',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 64,
  description: 'tunable name -> new value; the keys absent keep their values',
});
/** A `config.<agent_id>.updated` message. */
export type AgentConfigUpdate = Static<typeof AgentConfigUpdate>;

/** One applied change. */
export const ConfigChange = Type.Object({ key: Type.String(), previous: Value, value: Value });

/** The reply to `config.<agent_id>.updated`. */
export const AgentConfigReply = Type.Union(
  [
    Type.Object(
      {
        ok: Type.Literal(true),
        agent_id: Name,
        changed: Type.Array(ConfigChange, { description: 'keys whose value changed, in the order applied' }),
        unchanged: Type.Array(Type.String(), { description: 'keys that already had the value' }),
        at: OutboundTimestamp,
      },
      { additionalProperties: true },
    ),
    ErrorReply(AGENT_CONFIG_ERROR_CODES),
  ],
  { $id: 'config.{agent_id}.updated.reply' },
);
/** A reply to `config.<agent_id>.updated`. */
export type AgentConfigReply = Static<typeof AgentConfigReply>;

/** `agent.<agent_id>.tunables`: asks an agent for its tunables (an empty object). */
export const AgentTunablesRequest = Type.Object({}, { $id: 'agent.{agent_id}.tunables', additionalProperties: true });

/** The reply to `agent.<agent_id>.tunables`. */
export const AgentTunablesReply = Type.Union(
  [
    Type.Object({ ok: Type.Literal(true), agent_id: Name, tunables: Type.Array(TunableDescriptorWire) }, { additionalProperties: true }),
    ErrorReply(['invalid_json', 'invalid_request']),
  ],
  { $id: 'agent.{agent_id}.tunables.reply' },
);
/** A reply to `agent.<agent_id>.tunables`. */
export type AgentTunablesReply = Static<typeof AgentTunablesReply>;

/** The JSON Schema a value of this tunable must match: its type and bounds (or allowed values). */
export function tunableValueSchema(t: Pick<TunableDescriptor, 'type' | 'minimum' | 'maximum' | 'enum'>): TSchema {
  const bounds = { ...(t.minimum !== undefined ? { minimum: t.minimum } : {}), ...(t.maximum !== undefined ? { maximum: t.maximum } : {}) };
  switch (t.type) {
    case 'integer':
      return Type.Integer(bounds);
    case 'number':
      return Type.Number(bounds);
    case 'boolean':
      return Type.Boolean();
    case 'string':
      return t.enum ? literalUnion(t.enum) : Type.String({ maxLength: 1024 });
  }
}

/** A tunable as the update check sees it: its descriptor and its compiled value validator. */
export interface CheckedTunable {
  readonly descriptor: TunableDescriptor;
  readonly validate: ValidateFunction;
}

/** Compiles the value validator of a tunable. */
export function compileTunable(descriptor: TunableDescriptor): CheckedTunable {
  return { descriptor, validate: wireAjv.compile(tunableValueSchema(descriptor)) };
}

/** The outcome of checking an update: the values to apply, in message order, or why it is refused whole. */
export type ConfigCheck =
  | { readonly ok: true; readonly values: readonly (readonly [string, TunableValue])[] }
  | { readonly ok: false; readonly code: AgentConfigErrorCode; readonly message: string };

const BOUND_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);

/** Why `value` does not fit tunable `t` (its type, allowed values, bounds); undefined when it fits. */
export function checkTunableValue(t: CheckedTunable, value: unknown): { code: AgentConfigErrorCode; message: string } | undefined {
  if (t.validate(value)) return undefined;
  const e = t.validate.errors?.[0];
  const d = t.descriptor;
  return BOUND_KEYWORDS.has(e?.keyword ?? '')
    ? { code: 'out_of_bounds', message: `${d.name}: ${JSON.stringify(value)} is outside ${d.minimum ?? '-∞'}..${d.maximum ?? '∞'}` }
    : { code: 'invalid_value', message: `${d.name}: ${JSON.stringify(value)?.slice(0, 64)} ${e?.message ?? 'is invalid'} (a ${d.type}${d.enum ? ` of ${d.enum.join(', ')}` : ''})` };
}

/**
 * Checks a `config.<agent_id>.updated` body against an agent's tunables. Refused whole, with the
 * first reason: not an object of 1-64 keys (`invalid_request`), a key the agent does not declare
 * (`unknown_key`), a tunable declared not live (`not_live`), a value of the wrong type or not among
 * the allowed values (`invalid_value`), outside the declared bounds (`out_of_bounds`).
 */
export function checkConfigUpdate(tunables: ReadonlyMap<string, CheckedTunable>, body: unknown): ConfigCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, code: 'invalid_request', message: 'the update must be a JSON object of tunable names to values' };
  const entries = Object.entries(body);
  if (entries.length === 0 || entries.length > 64) return { ok: false, code: 'invalid_request', message: `the update must set 1-64 tunables, not ${entries.length}` };
  for (const [key, value] of entries) {
    const t = tunables.get(key);
    if (t === undefined) {
      const known = [...tunables.keys()].join(', ') || 'none';
      return { ok: false, code: 'unknown_key', message: `"${key.slice(0, 64)}" is not a tunable of this agent (it has: ${known})` };
    }
    if (!t.descriptor.live) return { ok: false, code: 'not_live', message: `${key} cannot be changed at run time` };
    const bad = checkTunableValue(t, value);
    if (bad) return { ok: false, ...bad };
  }
  return { ok: true, values: entries as [string, TunableValue][] };
}

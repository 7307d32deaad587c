import { Type, type Static } from '@sinclair/typebox';
import { NAME_PATTERN } from './metric-names.js';

/** Profile kinds, as the wire contract names them. */
export const PROFILE_KINDS = ['cpu', 'heap', 'event_loop'] as const;
/** A profile kind. */
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** Highest pid a Linux host hands out (pid_max's upper bound). */
export const MAX_PID = 4_194_304;

/**
 * What to profile: an SDK agent, a process on the engine's host, or the engine itself. A schema
 * (not only a type) because the wire contract and the configuration's schedule both validate it.
 */
export const ProfileTarget = Type.Union([
  Type.Object({ agent_id: Type.String({ pattern: NAME_PATTERN, description: '1-128 characters of A-Z a-z 0-9 _ . : -' }) }, { additionalProperties: false }),
  Type.Object({ pid: Type.Integer({ minimum: 1, maximum: MAX_PID }) }, { additionalProperties: false }),
  Type.Object({ self: Type.Literal(true) }, { additionalProperties: false }),
]);
/** A profile target. */
export type ProfileTarget = Static<typeof ProfileTarget>;

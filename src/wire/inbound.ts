import { Type, type Static } from '@sinclair/typebox';
import { PROFILE_KINDS, ProfileTarget } from '../model/profile.js';

/** `orchestrator.profile_request`. */
export const ProfileRequestMessage = Type.Object(
  {
    request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    target: ProfileTarget,
    kind: Type.Optional(Type.Union(PROFILE_KINDS.map((k) => Type.Literal(k)), { default: 'cpu' })),
    duration_seconds: Type.Optional(Type.Number({ minimum: 1, maximum: 300, default: 10 })),
    sampling_interval_us: Type.Optional(Type.Integer({ minimum: 10, maximum: 1_000_000 })),
  },
  { $id: 'orchestrator.profile_request', additionalProperties: true },
);
export type ProfileRequestMessage = Static<typeof ProfileRequestMessage>;

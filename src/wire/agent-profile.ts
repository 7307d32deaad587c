import { Type, type Static } from '@sinclair/typebox';
import { Name, OutboundTimestamp } from './common.js';
import { PROFILE_KINDS } from '../model/profile.js';

/** Error codes an SDK agent answers a profile request with. */
export const AGENT_PROFILE_ERROR_CODES = ['invalid_request', 'busy', 'too_large', 'profile_failed', 'unavailable'] as const;
/** One of the agent's profile error codes. */
export type AgentProfileErrorCode = (typeof AGENT_PROFILE_ERROR_CODES)[number];

/** How the profile travels in the reply: gzip, then base64, so the reply stays a JSON object. */
export const PROFILE_ENCODINGS = ['gzip+base64'] as const;

/** `agent.<agent_id>.profile`: what the engine (or any client) asks an SDK agent for. */
export const AgentProfileRequest = Type.Object(
  {
    request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    kind: Type.Optional(Type.Union(PROFILE_KINDS.map((k) => Type.Literal(k)), { default: 'cpu' })),
    duration_seconds: Type.Optional(Type.Number({ minimum: 1, maximum: 300, default: 10 })),
    sampling_interval_us: Type.Optional(
      Type.Integer({ minimum: 10, maximum: 1_000_000, description: 'CPU sampling interval (cpu and event_loop kinds); default 1000' }),
    ),
    heap_sampling_interval_bytes: Type.Optional(
      Type.Integer({ minimum: 128, maximum: 16_777_216, description: 'mean bytes between heap samples (heap kind); default 32768' }),
    ),
    heap_include_collected: Type.Optional(
      Type.Boolean({ description: 'heap kind: keep samples of objects the GC has since freed (allocation churn); default false (live objects)' }),
    ),
    event_loop_resolution_ms: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'event_loop kind: delay histogram resolution; default 10' }),
    ),
    block_threshold_ms: Type.Optional(
      Type.Number({ minimum: 2, maximum: 60_000, description: 'event_loop kind: shortest stall reported as a block; default 20' }),
    ),
    max_bytes: Type.Optional(
      Type.Integer({ minimum: 1024, description: 'largest reply the requester accepts; the agent applies the smaller of this and its own cap' }),
    ),
  },
  { $id: 'agent.{agent_id}.profile', additionalProperties: true },
);
export type AgentProfileRequest = Static<typeof AgentProfileRequest>;

const heapStatistics = Type.Record(Type.String(), Type.Number(), { description: 'v8.getHeapStatistics()' });

/** A successful profile reply: the profile file's bytes, gzipped and base64-encoded. */
export const AgentProfileSuccess = Type.Object(
  {
    ok: Type.Literal(true),
    agent_id: Name,
    request_id: Type.Optional(Type.String({ maxLength: 128 })),
    kind: Type.Union(PROFILE_KINDS.map((k) => Type.Literal(k))),
    started_at: OutboundTimestamp,
    duration_ms: Type.Number({ minimum: 0 }),
    sample_count: Type.Optional(Type.Integer({ minimum: 0 })),
    encoding: Type.Union(PROFILE_ENCODINGS.map((e) => Type.Literal(e))),
    size_bytes: Type.Integer({ minimum: 0, description: 'length of the profile file before compression' }),
    data: Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', description: 'base64 of the gzipped file: .cpuprofile JSON, sampling heap profile JSON, or EventLoopReport JSON' }),
    heap_statistics: Type.Optional(Type.Object({ start: heapStatistics, end: heapStatistics })),
  },
  { additionalProperties: true },
);
export type AgentProfileSuccess = Static<typeof AgentProfileSuccess>;

/** A refused or failed profile request. Unknown codes are allowed for forward compatibility. */
export const AgentProfileFailure = Type.Object(
  {
    ok: Type.Literal(false),
    agent_id: Type.Optional(Name),
    request_id: Type.Optional(Type.String({ maxLength: 128 })),
    error: Type.Object({
      code: Type.String({ minLength: 1, maxLength: 64, description: AGENT_PROFILE_ERROR_CODES.join(' | ') }),
      message: Type.String({ maxLength: 4096 }),
    }),
  },
  { additionalProperties: true },
);
export type AgentProfileFailure = Static<typeof AgentProfileFailure>;

/** The reply to `agent.<agent_id>.profile`. */
export const AgentProfileReply = Type.Union([AgentProfileSuccess, AgentProfileFailure], { $id: 'agent.{agent_id}.profile.reply' });
export type AgentProfileReply = Static<typeof AgentProfileReply>;

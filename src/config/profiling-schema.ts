import { Type } from '@sinclair/typebox';
import { PROFILE_KINDS, ProfileTarget } from '../model/profile.js';

/** One scheduled profile: a PROTOCOL.md target with optional kind, duration and interval. */
export const ScheduledTargetSchema = Type.Object(
  {
    target: ProfileTarget,
    kind: Type.Optional(Type.Union(PROFILE_KINDS.map((k) => Type.Literal(k)))),
    duration_seconds: Type.Optional(Type.Number({ minimum: 1, maximum: 300 })),
    sampling_interval_us: Type.Optional(Type.Integer({ minimum: 10, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

/** The profiling keys of the configuration schema (after the seed's `profiling_schedule` and `enable_auto_profiling`). */
export const PROFILING_KEYS = {
  profiling_schedule_targets: Type.Array(ScheduledTargetSchema, {
    maxItems: 100,
    description: 'What profiling_schedule profiles each time it fires: [{"target": {"agent_id": "a"}, "kind": "cpu", "duration_seconds": 10}].',
  }),
  profiling_allowed_processes: Type.Array(Type.String({ minLength: 1 }), {
    maxItems: 100,
    description:
      'Regular expressions on process name or command line of local processes that may be profiled by pid (the inspector gives full control of a process); empty refuses every pid.',
  }),
  profiling_max_duration_seconds: Type.Integer({ minimum: 1, maximum: 300, description: 'Longest profile accepted, in seconds.' }),
  profiling_max_profile_bytes: Type.Integer({
    minimum: 1_048_576,
    maximum: 1_073_741_824,
    description: 'Largest raw profile kept, in bytes; a bigger one fails with too_large.',
  }),
  profiling_sampling_interval_us: Type.Integer({
    minimum: 10,
    maximum: 1_000_000,
    description: 'CPU sampling interval when a request gives none, in microseconds.',
  }),
  profiling_max_concurrent: Type.Integer({ minimum: 1, maximum: 16, description: 'Most profiles recorded at once (one per target at a time in any case).' }),
  profiling_agent_timeout_seconds: Type.Integer({
    minimum: 1,
    maximum: 600,
    description: "How long past the profile's duration to wait for an agent's answer.",
  }),
  auto_profiling_duration_seconds: Type.Integer({ minimum: 1, maximum: 300, description: 'Duration of automatic profiles, in seconds.' }),
  auto_profiling_cooldown_seconds: Type.Integer({
    minimum: 0,
    maximum: 86400,
    description: 'A target profiled automatically is not profiled automatically again for this long.',
  }),
  auto_profiling_max_per_hour: Type.Integer({ minimum: 0, maximum: 3600, description: 'Most automatic profiles in any sliding hour.' }),
  auto_profiling_max_time_pct: Type.Number({
    minimum: 0,
    maximum: 100,
    description: 'Most recording time of automatic profiles in any sliding hour, as a percentage of the hour.',
  }),
};

/** Defaults of the profiling keys. */
export const PROFILING_DEFAULTS = {
  profiling_schedule_targets: [],
  profiling_allowed_processes: [],
  profiling_max_duration_seconds: 300,
  profiling_max_profile_bytes: 64 * 1024 * 1024,
  profiling_sampling_interval_us: 1000,
  profiling_max_concurrent: 2,
  profiling_agent_timeout_seconds: 15,
  auto_profiling_duration_seconds: 10,
  auto_profiling_cooldown_seconds: 900,
  auto_profiling_max_per_hour: 6,
  auto_profiling_max_time_pct: 5,
};

/**
 * Profiling keys a live update may change. `profiling_allowed_processes` is not among them: who may
 * be profiled by pid is set where the engine is deployed, never by a message on the bus.
 */
export const PROFILING_LIVE_KEYS = [
  'profiling_schedule_targets',
  'profiling_max_duration_seconds',
  'profiling_max_profile_bytes',
  'profiling_sampling_interval_us',
  'profiling_max_concurrent',
  'profiling_agent_timeout_seconds',
  'auto_profiling_duration_seconds',
  'auto_profiling_cooldown_seconds',
  'auto_profiling_max_per_hour',
  'auto_profiling_max_time_pct',
] as const;

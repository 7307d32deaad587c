import { MAX_METRICS_PER_SNAPSHOT } from '../model/limits.js';
import type { JsonLimits } from './json-limits.js';

/**
 * The bounds each inbound subject's payload is checked against at the bus edge, before it is
 * parsed (docs/subjects.md, general rules). Each leaves room above what a valid message needs, so
 * the schema, not the edge, names what is wrong with a merely oversized field.
 */
export const INBOUND_LIMITS = Object.freeze({
  /** A batch array, its snapshots, their `metrics` and `labels`: depth 3; `metrics` has up to 1000 keys. */
  realtimeMetrics: { maxBytes: 64 * 1024 * 1024, maxDepth: 32, maxKeys: MAX_METRICS_PER_SNAPSHOT + 24 },
  /** The deepest live key (`alert_thresholds` → rule → `overrides` → override) is depth 5. */
  configUpdated: { maxBytes: 64 * 1024, maxDepth: 16, maxKeys: 1024 },
  /** Request and `target`: depth 2. */
  profileRequest: { maxBytes: 64 * 1024, maxDepth: 8, maxKeys: 64 },
  /** `agent.<agent_id>.profile` at an SDK agent: a flat request. */
  agentProfile: { maxBytes: 64 * 1024, maxDepth: 8, maxKeys: 64 },
  /** `config.<agent_id>.updated` and `agent.<agent_id>.tunables` at an SDK agent: flat, at most 64 tunables. */
  agentTunables: { maxBytes: 64 * 1024, maxDepth: 8, maxKeys: 64 },
} satisfies Record<string, JsonLimits>);

/** Migration 013: CPU profiles of an agent before and after an agent-configuration change (docs/optimization.md#profiles-of-agent-changes). */
export const name = 'optimization-profiles';

/**
 * One row per `set_agent_config` optimization the engine profiled: the profile taken before the
 * change and the one after it (ids in `performance_profiles`), and the per-function difference of
 * self time (`changes`, largest moves first, with before and after shares). `status` is `pending`
 * until the after profile is analysed, then `complete`, or `skipped` with the reason (profiling
 * budget, agent not answering, profile failed). Deleted with its optimization.
 */
export const up = `
CREATE TABLE optimization_profiles (
  optimization_id    uuid PRIMARY KEY REFERENCES optimizations (optimization_id) ON DELETE CASCADE,
  status             text NOT NULL CHECK (status IN ('pending', 'complete', 'skipped')),
  before_profile_id  uuid,
  after_profile_id   uuid,
  changes            jsonb,
  reason             text,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
`;

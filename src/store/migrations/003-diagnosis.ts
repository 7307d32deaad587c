/**
 * Diagnosis: the columns a bottleneck episode needs beside those of migration 001 (onset, why it
 * ended, the sources involved, the state a restart continues from), and at most one active
 * bottleneck per source, so a restart or a second engine can never open the same one twice.
 */
export const name = 'diagnosis';

export const up = `
ALTER TABLE bottlenecks
  ADD COLUMN started_at       timestamptz,
  ADD COLUMN resolve_reason   text,
  ADD COLUMN host             text,
  ADD COLUMN scope            text,
  ADD COLUMN related_sources  jsonb NOT NULL DEFAULT '[]'::jsonb,
  ADD COLUMN state            jsonb NOT NULL DEFAULT '{}'::jsonb;
UPDATE bottlenecks SET started_at = detected_at WHERE started_at IS NULL;
CREATE UNIQUE INDEX bottlenecks_one_active ON bottlenecks (source) WHERE status = 'active';
`;

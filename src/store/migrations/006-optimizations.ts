/**
 * The optimization loop (docs/storage.md#optimizations): one row per optimization with its
 * current state and the judging a restart continues, and its history of transitions, each with
 * the performance.optimization_status message it announces (published from this outbox, so a
 * transition stored before a crash is still announced after it). A key has at most one open
 * optimization (proposed or in place), so the same change is not proposed twice.
 */
export const name = 'optimizations';

export const up = `
CREATE TABLE optimizations (
  optimization_id  uuid        PRIMARY KEY,
  key              text        NOT NULL,
  origin           text        NOT NULL,
  bottleneck_id    uuid,
  source           text,
  action           text        NOT NULL,
  params           jsonb       NOT NULL DEFAULT '{}'::jsonb,
  undo             jsonb,
  rationale        text        NOT NULL DEFAULT '',
  predicted        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  expect           jsonb       NOT NULL DEFAULT '[]'::jsonb,
  status           text        NOT NULL,
  status_at        timestamptz NOT NULL,
  reason           text,
  proposed_at      timestamptz NOT NULL,
  applied_at       timestamptz,
  applied_by       text,
  rolled_back_at   timestamptz,
  rolled_back_by   text,
  impact           jsonb,
  judging          jsonb       NOT NULL DEFAULT '{}'::jsonb,
  judging_due      boolean     NOT NULL DEFAULT false,
  intent           text,
  version          integer     NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX optimizations_open_key ON optimizations (key)
  WHERE status IN ('proposed', 'applied', 'verified', 'ineffective', 'regressed');
CREATE INDEX optimizations_source ON optimizations (source, proposed_at DESC);
CREATE INDEX optimizations_proposed ON optimizations (proposed_at DESC);
CREATE INDEX optimizations_due ON optimizations (judging_due) WHERE judging_due;
CREATE INDEX optimizations_intent ON optimizations (intent) WHERE intent IS NOT NULL;

CREATE TABLE optimization_transitions (
  optimization_id  uuid        NOT NULL REFERENCES optimizations (optimization_id) ON DELETE CASCADE,
  seq              integer     NOT NULL,
  event            text        NOT NULL,
  status           text        NOT NULL,
  at               timestamptz NOT NULL,
  actor            text        NOT NULL,
  reason           text,
  message          jsonb       NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  published_at     timestamptz,
  PRIMARY KEY (optimization_id, seq)
);
CREATE INDEX optimization_transitions_outbox ON optimization_transitions (recorded_at) WHERE published_at IS NULL;
`;

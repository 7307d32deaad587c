/** Migration 008: stored reports (docs/reports.md). */
export const name = 'reports';

/**
 * One row per scheduled (or requested and kept) report: its period, the formats it is offered in
 * and the report document itself (JSON; Markdown and HTML are rendered from it on download, so a
 * row is stored once whatever the formats). Rows older than data_retention_days are removed by the
 * report schedule.
 */
export const up = `
CREATE TABLE reports (
  report_id     uuid        PRIMARY KEY,
  created_at    timestamptz NOT NULL DEFAULT now(),
  trigger       text        NOT NULL CHECK (trigger IN ('schedule', 'request')),
  period_since  timestamptz NOT NULL,
  period_until  timestamptz NOT NULL,
  formats       text[]      NOT NULL,
  summary       jsonb       NOT NULL,
  document      jsonb       NOT NULL
);
CREATE INDEX reports_created_at ON reports (created_at DESC);
`;

/**
 * Detection and alerting state: saved detector states, the alert machine's own columns on
 * `alerts` (so a restart continues open episodes), and silences.
 */
export const name = 'detection-alerting';

export const up = `
CREATE TABLE detector_state (
  source      text        NOT NULL,
  metric      text        NOT NULL,
  state       bytea       NOT NULL,
  last_ts     timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, metric)
);
CREATE INDEX detector_state_updated ON detector_state (updated_at);

ALTER TABLE alerts
  ADD COLUMN max_severity    text,
  ADD COLUMN resolve_reason  text,
  ADD COLUMN notified        boolean     NOT NULL DEFAULT false,
  ADD COLUMN silenced_by     uuid,
  ADD COLUMN last_sample_at  timestamptz,
  ADD COLUMN machine         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN updated_at      timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX alerts_one_open_episode ON alerts (source, metric, rule) WHERE state IN ('pending', 'firing');

CREATE TABLE alert_silences (
  silence_id   uuid        PRIMARY KEY,
  source_glob  text        NOT NULL,
  metric_glob  text        NOT NULL DEFAULT '*',
  severity     text,
  starts_at    timestamptz NOT NULL DEFAULT now(),
  ends_at      timestamptz NOT NULL,
  comment      text        NOT NULL DEFAULT '',
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_silences_ends ON alert_silences (ends_at);
`;

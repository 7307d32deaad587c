/** Migration 011: the anomaly events the detector flagged (docs/storage.md#anomaly-events). */
export const name = 'anomaly-events';

/**
 * One row per flagged sample kept: the series (source and metric as stored), the sample's own
 * time and value, the anomaly score and the detector's view of it (direction, cause, baseline).
 * At most one row per series and 5-second slot (the highest score); rows older than
 * data_retention_days are removed by retention.
 */
export const up = `
CREATE TABLE anomaly_events (
  source     text        NOT NULL,
  metric     text        NOT NULL,
  ts         timestamptz NOT NULL,
  value      float8      NOT NULL,
  score      real        NOT NULL,
  direction  text,
  cause      text,
  baseline   float8,
  PRIMARY KEY (source, metric, ts)
);
CREATE INDEX anomaly_events_source_ts ON anomaly_events (source, ts);
CREATE INDEX anomaly_events_ts ON anomaly_events (ts);
`;

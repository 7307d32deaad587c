/** Migration 009: the delivery journal (docs/delivery.md). */
export const name = 'delivery';

/**
 * One row per notice and receiver: `sent` (delivered), `dead` (a dead letter: every attempt
 * failed or the receiver refused it) or `pending` (still queued when the engine stopped; sent
 * after the next start). `open` marks the last firing notice of a finding that Alertmanager must
 * keep receiving until its resolution. Rows older than data_retention_days are removed.
 */
export const up = `
CREATE TABLE delivery_log (
  receiver    text NOT NULL,
  notice_key  text NOT NULL,
  status      text NOT NULL CHECK (status IN ('sent', 'dead', 'pending')),
  finding_id  text NOT NULL,
  notice      jsonb NOT NULL,
  open        boolean NOT NULL DEFAULT false,
  attempts    integer NOT NULL DEFAULT 0,
  error       text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (receiver, notice_key)
);
CREATE INDEX delivery_log_updated_at ON delivery_log (updated_at);
CREATE INDEX delivery_log_open ON delivery_log (receiver, finding_id) WHERE open;
`;

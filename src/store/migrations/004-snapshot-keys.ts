/**
 * Idempotent ingest: every snapshot row carries a key (the publisher's message id and the
 * snapshot's position in the message, or a digest of its content; src/store/snapshot-key.ts), and
 * a snapshot of a stream at a time is stored once per key, however often its message arrives
 * (retried requests, JetStream redeliveries, the same bytes sent twice, several engines).
 * The unique index replaces the (stream_id, ts) index of migration 001, of which it is an
 * extension, so series queries use it the same way. Rows written before have no key (NULL) and
 * never conflict.
 */
export const name = 'snapshot-keys';

export const up = `
ALTER TABLE metric_snapshots ADD COLUMN snapshot_key bigint;
CREATE UNIQUE INDEX metric_snapshots_stream_ts_key ON metric_snapshots (stream_id, ts, snapshot_key);
DROP INDEX metric_snapshots_stream_ts;
`;

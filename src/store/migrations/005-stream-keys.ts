/**
 * Streams keyed by a digest of their identity. Migration 001 made (source, host, labels) itself
 * the unique key, whose btree entry cannot exceed about 2.7 kB: a snapshot with 32 labels of 1 kB,
 * which the wire schema allows, could not be stored. The key is now the SHA-256 of the canonical
 * JSON text of [source, host, labels] (jsonb prints keys sorted and once each, so equal identities
 * give equal text, and JSON's quoting keeps different ones apart). Adding the generated column
 * computes it for every existing stream; the rows themselves (ids, labels) are unchanged. Queries
 * by source, which used the old key's leading column, get an index of their own.
 */
export const name = 'stream-keys';

export const up = `
-- Immutable in fact for one database (its encoding never changes), so it may key a generated column.
CREATE FUNCTION perf_stream_key(source text, host text, labels jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT sha256(convert_to(jsonb_build_array(source, host, labels)::text, 'UTF8'))
$fn$;

ALTER TABLE metric_streams
  ADD COLUMN stream_key bytea GENERATED ALWAYS AS (perf_stream_key(source, host, labels)) STORED;
CREATE UNIQUE INDEX metric_streams_stream_key ON metric_streams (stream_key);
ALTER TABLE metric_streams DROP CONSTRAINT metric_streams_source_host_labels_key;
CREATE INDEX metric_streams_source ON metric_streams (source);
`;

import type { ProfileTarget } from '../../model/profile.js';
import type { Queryable } from '../../store/db.js';
import { storableJson, storableText } from '../../wire/storable-text.js';
import type { ProfileKind } from '../../model/profile.js';
import type { Hotspot } from '../analysis/hotspots.js';
import type { RawFormat } from '../capture/capture-types.js';

/** Who asked for a profile (the `trigger` column). */
export const PROFILE_TRIGGERS = ['request', 'schedule', 'auto'] as const;
/** A profile trigger. */
export type ProfileTrigger = (typeof PROFILE_TRIGGERS)[number];

/** A row of `performance_profiles`, as the engine writes it. */
export interface ProfileRow {
  readonly profileId: string;
  readonly requestId: string | null;
  readonly target: ProfileTarget;
  readonly source: string | null;
  readonly kind: ProfileKind;
  readonly trigger: ProfileTrigger;
  readonly status: 'completed' | 'failed';
  readonly startedAt: number;
  readonly durationMs: number | null;
  readonly sampleCount: number | null;
  readonly hotspots: readonly Hotspot[];
  readonly summary: Readonly<Record<string, unknown>>;
  readonly error: string | null;
  readonly rawFormat: RawFormat | null;
  /** The raw profile, gzip-compressed. */
  readonly rawGzip: Uint8Array | null;
  readonly rawBytes: number | null;
}

/** A stored profile without its raw bytes, as listings show it. */
export type StoredProfile = Omit<ProfileRow, 'rawGzip'> & { readonly createdAt: string };

/** Filters of `listProfiles`; all optional. */
export interface ProfileFilter {
  readonly source?: string;
  readonly kind?: ProfileKind;
  readonly status?: 'completed' | 'failed';
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit?: number;
}

/** Inserts one profile row. */
export async function insertProfile(q: Queryable, r: ProfileRow): Promise<void> {
  await q.query(
    `INSERT INTO performance_profiles (profile_id, request_id, target, source, kind, trigger, status, started_at,
       duration_ms, sample_count, hotspots, summary, error, raw_format, raw_gzip, raw_bytes)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13, $14, $15, $16)`,
    [
      r.profileId,
      r.requestId === null ? null : storableText(r.requestId),
      storableJson(r.target),
      r.source,
      r.kind,
      r.trigger,
      r.status,
      new Date(r.startedAt),
      r.durationMs === null ? null : Math.round(r.durationMs),
      r.sampleCount,
      storableJson(r.hotspots),
      storableJson(r.summary),
      r.error === null ? null : storableText(r.error),
      r.rawFormat,
      r.rawGzip === null ? null : Buffer.from(r.rawGzip.buffer, r.rawGzip.byteOffset, r.rawGzip.byteLength),
      r.rawBytes,
    ],
  );
}

const COLUMNS = `profile_id, request_id, target, source, kind, trigger, status, started_at, duration_ms, sample_count,
  hotspots, summary, error, raw_format, raw_bytes, created_at`;

interface Row {
  profile_id: string;
  request_id: string | null;
  target: unknown;
  source: string | null;
  kind: ProfileKind;
  trigger: ProfileTrigger;
  status: 'completed' | 'failed';
  started_at: unknown;
  duration_ms: number | null;
  sample_count: number | null;
  hotspots: unknown;
  summary: unknown;
  error: string | null;
  raw_format: RawFormat | null;
  raw_bytes: number | null;
  created_at: unknown;
}

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();

function toStored(row: Row): StoredProfile {
  return {
    profileId: row.profile_id,
    requestId: row.request_id,
    target: json(row.target) as ProfileTarget,
    source: row.source,
    kind: row.kind,
    trigger: row.trigger,
    status: row.status,
    startedAt: Date.parse(iso(row.started_at)),
    durationMs: row.duration_ms,
    sampleCount: row.sample_count,
    hotspots: json(row.hotspots) as Hotspot[],
    summary: json(row.summary) as Record<string, unknown>,
    error: row.error,
    rawFormat: row.raw_format,
    rawBytes: row.raw_bytes,
    createdAt: iso(row.created_at),
  };
}

/** Stored profiles matching the filter, most recent first (default at most 100). */
export async function listProfiles(q: Queryable, f: ProfileFilter = {}): Promise<StoredProfile[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.source !== undefined) add('source = ?', f.source);
  if (f.kind !== undefined) add('kind = ?', f.kind);
  if (f.status !== undefined) add('status = ?', f.status);
  if (f.sinceMs !== undefined) add('started_at >= ?', new Date(f.sinceMs));
  if (f.untilMs !== undefined) add('started_at <= ?', new Date(f.untilMs));
  params.push(f.limit ?? 100);
  const r = await q.query<Row>(
    `SELECT ${COLUMNS} FROM performance_profiles ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY started_at DESC, profile_id LIMIT $${params.length}`,
    params,
  );
  return r.rows.map(toStored);
}

/** One stored profile without its raw bytes, or null. */
export async function getProfile(q: Queryable, profileId: string): Promise<StoredProfile | null> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM performance_profiles WHERE profile_id = $1`, [profileId]);
  return r.rows[0] ? toStored(r.rows[0]) : null;
}

/** The gzip-compressed raw profile and its format, or null when the profile is unknown or has none. */
export async function getRawProfile(q: Queryable, profileId: string): Promise<{ format: RawFormat; gzip: Uint8Array } | null> {
  const r = await q.query<{ raw_format: RawFormat | null; raw_gzip: Uint8Array | null }>(
    'SELECT raw_format, raw_gzip FROM performance_profiles WHERE profile_id = $1',
    [profileId],
  );
  const row = r.rows[0];
  if (!row || row.raw_format === null || row.raw_gzip === null) return null;
  return { format: row.raw_format, gzip: row.raw_gzip };
}

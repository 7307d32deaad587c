import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProfileRequestMessage } from '../wire/inbound.js';
import { NAME_PATTERN } from '../model/metric-names.js';
import { PROFILE_KINDS, type ProfileKind } from '../model/profile.js';
import type { RawFormat } from '../profile/capture/capture-types.js';
import { ExportError, type ProfileExporter } from '../profile/service/export-pool.js';
import { canExport, EXPORT_FORMATS, type ExportFormat } from '../profile/export/export-profile.js';
import { getProfile, getRawProfile, listProfiles, PROFILE_TRIGGERS, type StoredProfile } from '../profile/service/profile-repository.js';
import { jobFromRequest } from '../profile/service/profile-request-handler.js';
import type { ActiveProfile, ProfileJob, StartResult } from '../profile/service/profile-service.js';
import type { Queryable } from '../store/db.js';
import { ApiError, ERROR_RESPONSES, notFound } from './api-errors.js';
import { IdParams, limitParam, nullable, stringEnum, timeArg, timeParam } from './api-schemas.js';

const gunzipAsync = promisify(gunzip);

/** The profile service as the routes use it. */
export interface ProfileControl {
  start(job: ProfileJob): StartResult;
  active(): readonly ActiveProfile[];
}

/** What the profile routes need from the engine. */
export interface ProfileRouteDeps {
  db(): Queryable;
  /** The profile service; null when there is none. */
  profiles(): ProfileControl | null;
  /** Where exports are computed, off the event loop. */
  readonly exporter: ProfileExporter;
}

/** The request schema without its `$id`, so the route's validator does not register a second schema of that name. */
const { $id: _requestId, ...ProfileRequestBody } = ProfileRequestMessage;

const Str = Type.String();
const NStr = nullable(Type.String());
const NNum = nullable(Type.Number());
const Kind = stringEnum(PROFILE_KINDS);
const Hotspot = Type.Object({ function: Str, url: Str, line: Type.Number(), self_ms: Type.Number(), self_pct: Type.Number(), total_ms: Type.Number(), total_pct: Type.Number() });
/** A stored profile: the columns of `performance_profiles` without the raw bytes. */
const StoredJson = Type.Object({
  profile_id: Str,
  request_id: NStr,
  target: Type.Unknown({ description: 'the target as requested: {agent_id}, {pid} or {self}' }),
  source: NStr,
  kind: Kind,
  trigger: stringEnum(PROFILE_TRIGGERS),
  status: stringEnum(['completed', 'failed'] as const),
  started_at: Str,
  duration_ms: NNum,
  sample_count: NNum,
  hotspots: Type.Array(Hotspot),
  summary: Type.Record(Type.String(), Type.Unknown()),
  error: NStr,
  raw_format: NStr,
  raw_bytes: NNum,
  created_at: Str,
});
/** A profile being recorded. */
const RunningJson = Type.Object({ profile_id: Str, status: stringEnum(['running'] as const), target: Type.Unknown(), kind: Kind, trigger: stringEnum(PROFILE_TRIGGERS), started_at: Str, ends_at: Str });
const Started = Type.Object({ profile_id: Str, request_id: NStr, target: Type.Unknown(), kind: Kind, duration_seconds: Type.Number() });

const ListQuery = Type.Object(
  {
    source: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
    kind: Type.Optional(Kind),
    status: Type.Optional(stringEnum(['completed', 'failed'] as const)),
    since: timeArg(),
    until: timeArg(),
    limit: limitParam(1000, 'most stored profiles returned, 1-1000 (default 100)'),
  },
  { additionalProperties: false },
);
/** `raw` is the profile as recorded; the others are the exports of `profile analyze --format`. */
const DOWNLOAD_FORMATS = ['raw', ...EXPORT_FORMATS] as const;
/** A download is sent as is (bytes or a stream), never through the JSON serializer. */
const FileBody = Type.Unknown({ description: 'the profile, raw or exported, as an attachment' });
const DownloadQuery = Type.Object({ format: Type.Optional(stringEnum(DOWNLOAD_FORMATS)) }, { additionalProperties: false });

type FileType = { readonly ext: string; readonly type: string };
const RAW_FILE: Readonly<Record<RawFormat, FileType & { kind: ProfileKind }>> = {
  cpuprofile: { ext: 'cpuprofile', type: 'application/json', kind: 'cpu' },
  heapprofile: { ext: 'heapprofile', type: 'application/json', kind: 'heap' },
  event_loop: { ext: 'event-loop.json', type: 'application/json', kind: 'event_loop' },
};
const EXPORT_FILE: Readonly<Record<ExportFormat, FileType>> = {
  cpuprofile: { ext: 'cpuprofile', type: 'application/json' },
  pprof: { ext: 'pb.gz', type: 'application/octet-stream' },
  speedscope: { ext: 'speedscope.json', type: 'application/json' },
  collapsed: { ext: 'collapsed', type: 'text/plain; charset=utf-8' },
  svg: { ext: 'svg', type: 'image/svg+xml' },
  html: { ext: 'html', type: 'text/html; charset=utf-8' },
};

/** HTTP status of each refusal code of a profile start. */
const START_STATUS: Readonly<Record<string, number>> = { busy: 409, too_many: 409, not_allowed: 403, not_found: 404, too_long: 400, unsupported: 400, tool_missing: 501, stopping: 503 };
/** HTTP status of each export failure; `failed` is not here: it is an internal error. */
const EXPORT_STATUS: Readonly<Record<string, number>> = { bad_format: 400, bad_profile: 422, too_large: 422, busy: 503, timeout: 503, closed: 503 };

/** A stored profile as the API shows it (the column names of `performance_profiles`). */
function profileJson(p: StoredProfile): Static<typeof StoredJson> {
  return {
    profile_id: p.profileId,
    request_id: p.requestId,
    target: p.target,
    source: p.source,
    kind: p.kind,
    trigger: p.trigger,
    status: p.status,
    started_at: new Date(p.startedAt).toISOString(),
    duration_ms: p.durationMs,
    sample_count: p.sampleCount,
    hotspots: [...p.hotspots],
    summary: p.summary,
    error: p.error,
    raw_format: p.rawFormat,
    raw_bytes: p.rawBytes,
    created_at: p.createdAt,
  };
}

function runningJson(a: ActiveProfile): Static<typeof RunningJson> {
  const times = { started_at: new Date(a.startedAt).toISOString(), ends_at: new Date(a.endsAt).toISOString() };
  return { profile_id: a.profileId, status: 'running', target: a.target, kind: a.kind, trigger: a.trigger, ...times };
}

function exportFailure(err: unknown): never {
  if (!(err instanceof ExportError) || err.code === 'failed') throw err;
  throw new ApiError(EXPORT_STATUS[err.code] ?? 500, err.code === 'closed' ? 'stopping' : err.code, err.message);
}

/**
 * Profiles: list the stored ones and those recording, show one, download it raw or in any export
 * format (computed in a worker thread), and start one (`POST`, the body of `orchestrator.profile_request`).
 */
export function profileRoutes(deps: ProfileRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/profiles', { schema: { querystring: ListQuery, response: { 200: Type.Object({ running: Type.Array(RunningJson), profiles: Type.Array(StoredJson) }), ...ERROR_RESPONSES } } }, async (req) => {
      const { since, until, limit, ...filter } = req.query;
      const now = Date.now();
      const stored = await listProfiles(deps.db(), {
        ...filter,
        ...(since !== undefined ? { sinceMs: timeParam('since', since, now) } : {}),
        ...(until !== undefined ? { untilMs: timeParam('until', until, now) } : {}),
        limit: limit ?? 100,
      });
      return { running: (deps.profiles()?.active() ?? []).map(runningJson), profiles: stored.map(profileJson) };
    });

    app.get('/profiles/:id', { schema: { params: IdParams, response: { 200: Type.Union([StoredJson, RunningJson]), ...ERROR_RESPONSES } } }, async (req) => {
      const running = deps.profiles()?.active().find((a) => a.profileId === req.params.id);
      if (running) return runningJson(running);
      const p = await getProfile(deps.db(), req.params.id);
      if (!p) throw notFound(`no profile ${req.params.id}`);
      return profileJson(p);
    });

    app.get('/profiles/:id/download', { schema: { params: IdParams, querystring: DownloadQuery, response: { 200: FileBody, ...ERROR_RESPONSES } } }, async (req, reply) => {
      const id = req.params.id;
      const stored = await getRawProfile(deps.db(), id);
      if (!stored) throw notFound(`no stored raw profile ${id} (unknown, still recording, or failed)`);
      const format = req.query.format ?? 'raw';
      const raw = RAW_FILE[stored.format];
      if (format === 'raw') return reply.type(raw.type).header('content-disposition', `attachment; filename="${id}.${raw.ext}"`).send(await gunzipAsync(stored.gzip));
      if (!canExport(raw.kind, format)) throw new ApiError(400, 'bad_format', `a ${raw.kind} profile cannot be written as ${format}`);
      const exported = await deps.exporter.export(stored.gzip, format, id).catch(exportFailure);
      const f = EXPORT_FILE[format];
      return reply.type(f.type).header('content-disposition', `attachment; filename="${id}.${f.ext}"`).send(exported.body);
    });

    app.post('/profiles', { schema: { body: ProfileRequestBody, response: { 202: Started, ...ERROR_RESPONSES } } }, async (req, reply) => {
      const service = deps.profiles();
      if (!service) throw new ApiError(503, 'starting', 'the engine is still starting');
      const job = jobFromRequest(req.body as ProfileRequestMessage);
      const result = service.start(job);
      if (!result.ok) throw new ApiError(START_STATUS[result.code] ?? 422, result.code, result.message);
      return reply.code(202).send({ profile_id: result.profileId, request_id: job.requestId ?? null, target: job.target, kind: job.kind ?? 'cpu', duration_seconds: job.durationSeconds ?? 10 });
    });
  };
}

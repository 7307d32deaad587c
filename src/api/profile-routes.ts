import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { ProfileRequestMessage } from '../wire/inbound.js';
import { PROFILE_KINDS } from '../model/profile.js';
import { NAME_PATTERN } from '../model/metric-names.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import { analyzeProfileBytes } from '../profile/analysis/analyze-profile.js';
import { canExport, EXPORT_FORMATS, exportProfile, type ExportFormat } from '../profile/export/export-profile.js';
import type { RawFormat } from '../profile/capture/capture-types.js';
import { getProfile, getRawProfile, listProfiles, type StoredProfile } from '../profile/service/profile-repository.js';
import { jobFromRequest } from '../profile/service/profile-request-handler.js';
import type { ActiveProfile, StartResult, ProfileJob } from '../profile/service/profile-service.js';
import type { Queryable } from '../store/db.js';

const gunzipAsync = promisify(gunzip);

/** What the profile routes read from the engine. */
export interface ProfileRouteDeps {
  db(): Queryable | null;
  /** The profile service, or null while the engine is starting. */
  profiles(): { start(job: ProfileJob): StartResult; active(): ActiveProfile[] } | null;
}

/** The request schema without its `$id`, so the route's validator does not register a second schema of that name. */
const { $id: _requestId, ...ProfileRequestBody } = ProfileRequestMessage;

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
function literals<T extends string>(values: readonly T[]): TUnion<TLiteral<T>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)));
}

const ListQuery = Type.Object(
  {
    source: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
    kind: Type.Optional(literals(PROFILE_KINDS)),
    status: Type.Optional(literals(['completed', 'failed'] as const)),
    since: Type.Optional(Type.String({ minLength: 1, description: TIME_ARG_HELP })),
    until: Type.Optional(Type.String({ minLength: 1, description: TIME_ARG_HELP })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: UUID }) });
/** `raw` is the profile as recorded; the others are the exports of `profile analyze --format`. */
const DOWNLOAD_FORMATS = ['raw', ...EXPORT_FORMATS] as const;
const DownloadQuery = Type.Object({ format: Type.Optional(literals(DOWNLOAD_FORMATS)) }, { additionalProperties: false });

const RAW_FILE: Readonly<Record<RawFormat, { ext: string; type: string }>> = {
  cpuprofile: { ext: 'cpuprofile', type: 'application/json' },
  heapprofile: { ext: 'heapprofile', type: 'application/json' },
  event_loop: { ext: 'event-loop.json', type: 'application/json' },
};
const EXPORT_FILE: Readonly<Record<ExportFormat, { ext: string; type: string }>> = {
  cpuprofile: { ext: 'cpuprofile', type: 'application/json' },
  pprof: { ext: 'pb.gz', type: 'application/octet-stream' },
  speedscope: { ext: 'speedscope.json', type: 'application/json' },
  collapsed: { ext: 'collapsed', type: 'text/plain; charset=utf-8' },
  svg: { ext: 'svg', type: 'image/svg+xml' },
  html: { ext: 'html', type: 'text/html; charset=utf-8' },
};

/** HTTP status of each refusal code of a profile start. */
const STATUS_OF: Readonly<Record<string, number>> = {
  busy: 409,
  too_many: 409,
  not_allowed: 403,
  not_found: 404,
  too_long: 400,
  unsupported: 400,
  tool_missing: 501,
  stopping: 503,
};

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

/** A stored profile as the API shows it (the column names of `performance_profiles`). */
export function profileJson(p: StoredProfile): Record<string, unknown> {
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
    hotspots: p.hotspots,
    summary: p.summary,
    error: p.error,
    raw_format: p.rawFormat,
    raw_bytes: p.rawBytes,
    created_at: p.createdAt,
  };
}

function activeJson(a: ActiveProfile): Record<string, unknown> {
  return { profile_id: a.profileId, status: 'running', target: a.target, kind: a.kind, trigger: a.trigger, started_at: new Date(a.startedAt).toISOString(), ends_at: new Date(a.endsAt).toISOString() };
}

/**
 * Profile routes under `/api/v1/profiles`: list stored profiles, show one (or its progress while
 * it records), download it raw or in any export format, and start one (`POST`, the body of
 * `orchestrator.profile_request`). Parameters are validated by their schemas; a bad one gets 400.
 */
export function registerProfileRoutes(app: FastifyInstance, deps: ProfileRouteDeps): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/profiles', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    const now = Date.now();
    const q = req.query;
    const since = q.since === undefined ? undefined : parseTimeArg(q.since, now);
    const until = q.until === undefined ? undefined : parseTimeArg(q.until, now);
    if (Number.isNaN(since) || Number.isNaN(until)) return fail(reply, 400, 'bad_request', `since/until: expected ${TIME_ARG_HELP}`);
    const stored = await listProfiles(db, {
      ...(q.source !== undefined ? { source: q.source } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
      ...(since !== undefined ? { sinceMs: since } : {}),
      ...(until !== undefined ? { untilMs: until } : {}),
      limit: q.limit ?? 100,
    });
    return { running: (deps.profiles()?.active() ?? []).map(activeJson), profiles: stored.map(profileJson) };
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/profiles/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const running = deps.profiles()?.active().find((a) => a.profileId === req.params.id);
    if (running) return activeJson(running);
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    const p = await getProfile(db, req.params.id);
    return p ? profileJson(p) : fail(reply, 404, 'not_found', `no profile ${req.params.id}`);
  });

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof DownloadQuery> }>(
    '/api/v1/profiles/:id/download',
    { schema: { params: IdParams, querystring: DownloadQuery } },
    async (req, reply) => {
      const db = deps.db();
      if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
      const id = req.params.id;
      const stored = await getRawProfile(db, id);
      if (!stored) return fail(reply, 404, 'not_found', `no stored raw profile ${id} (unknown, still recording, or failed)`);
      const raw = await gunzipAsync(stored.gzip);
      const format = req.query.format ?? 'raw';
      if (format === 'raw') {
        const f = RAW_FILE[stored.format];
        return reply.type(f.type).header('content-disposition', `attachment; filename="${id}.${f.ext}"`).send(raw);
      }
      const analyzed = analyzeProfileBytes(raw);
      if (!canExport(analyzed.kind, format)) return fail(reply, 400, 'bad_format', `a ${analyzed.kind} profile cannot be written as ${format}`);
      const out = exportProfile(analyzed, format, id);
      const f = EXPORT_FILE[format];
      reply.type(f.type).header('content-disposition', `attachment; filename="${id}.${f.ext}"`);
      return reply.send(typeof out === 'string' || out instanceof Uint8Array ? out : Readable.from(out));
    },
  );

  app.post<{ Body: ProfileRequestMessage }>('/api/v1/profiles', { schema: { body: ProfileRequestBody } }, async (req, reply) => {
    const service = deps.profiles();
    if (!service) return fail(reply, 503, 'starting', 'the engine is still starting');
    const job = jobFromRequest(req.body);
    const result = service.start(job);
    if (!result.ok) return fail(reply, STATUS_OF[result.code] ?? 422, result.code, result.message);
    return reply.code(202).send({ profile_id: result.profileId, request_id: job.requestId, target: job.target, kind: job.kind, duration_seconds: job.durationSeconds });
  });
}

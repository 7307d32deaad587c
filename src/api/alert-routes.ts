import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { SEVERITIES } from '../model/severity.js';
import { addSilence, GLOB_PATTERN, MAX_SILENCE_MS, removeSilence, silenceProblem, silenceViews, UUID_PATTERN } from '../alert/stage/alert-commands.js';
import { acknowledgeAlert, listAlerts } from '../alert/stage/alert-repo.js';
import { ALERT_STATES } from '../model/alert.js';
import type { Queryable } from '../store/db.js';

/** What the alert routes need from the running engine. */
export interface AlertRouteDeps {
  db(): Queryable | null;
  /** The running alerting stage, told of acknowledgements and silences at once; null while starting. */
  alerting(): { acknowledged(alertId: string, by: string): void; sync(): Promise<void> } | null;
}

function literals<T extends string>(values: readonly T[]): TUnion<TLiteral<T>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)));
}

const ListQuery = Type.Object(
  { state: Type.Optional(literals(ALERT_STATES)), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) });
const AckBody = Type.Object({ by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
const SilenceBody = Type.Object(
  {
    source: Type.String({ pattern: GLOB_PATTERN, description: 'glob on the source' }),
    metric: Type.Optional(Type.String({ pattern: GLOB_PATTERN, description: 'glob on the metric (default *)' })),
    severity: Type.Optional(literals(SEVERITIES)),
    duration_seconds: Type.Number({ exclusiveMinimum: 0, maximum: MAX_SILENCE_MS / 1000 }),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
    created_by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const SilencesQuery = Type.Object({ all: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

/**
 * Alerts and silences under `/api/v1`: list alerts, acknowledge one, list, create and end
 * silences. Changes are written to the database and applied by the running engine at once.
 */
export function registerAlertRoutes(app: FastifyInstance, deps: AlertRouteDeps): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/alerts', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    return { alerts: await listAlerts(db, req.query) };
  });

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof AckBody> }>(
    '/api/v1/alerts/:id/ack',
    { schema: { params: IdParams, body: AckBody } },
    async (req, reply) => {
      const db = deps.db();
      if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
      const by = req.body?.by ?? 'api';
      const r = await acknowledgeAlert(db, req.params.id, by, Date.now());
      if (!r.ok) return r.reason === 'not_found' ? fail(reply, 404, 'not_found', `no alert ${req.params.id}`) : fail(reply, 409, 'not_open', `alert ${req.params.id} is resolved`);
      deps.alerting()?.acknowledged(req.params.id, by);
      return { alert: r.alert };
    },
  );

  app.get<{ Querystring: Static<typeof SilencesQuery> }>('/api/v1/silences', { schema: { querystring: SilencesQuery } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    return { silences: await silenceViews(db, Date.now(), req.query.all === true) };
  });

  app.post<{ Body: Static<typeof SilenceBody> }>('/api/v1/silences', { schema: { body: SilenceBody } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    const b = req.body;
    const input = { source: b.source, metric: b.metric, severity: b.severity, durationMs: b.duration_seconds * 1000, comment: b.comment, createdBy: b.created_by };
    const problem = silenceProblem(input);
    if (problem) return fail(reply, 400, 'bad_request', problem);
    const silence = await addSilence(db, input, Date.now());
    await deps.alerting()?.sync();
    return reply.code(201).send({ silence });
  });

  app.delete<{ Params: Static<typeof IdParams> }>('/api/v1/silences/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    if (!(await removeSilence(db, req.params.id, Date.now()))) return fail(reply, 404, 'not_found', `no active silence ${req.params.id}`);
    await deps.alerting()?.sync();
    return { ok: true };
  });
}

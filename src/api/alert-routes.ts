import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SEVERITIES } from '../model/severity.js';
import { ALERT_STATES } from '../model/alert.js';
import { addSilence, GLOB_PATTERN, MAX_SILENCE_MS, removeSilence, silenceProblem, silenceViews } from '../alert/stage/alert-commands.js';
import { acknowledgeAlert, listAlerts } from '../alert/stage/alert-repo.js';
import type { Queryable } from '../store/db.js';
import { ApiError, badRequest, ERROR_RESPONSES, notFound } from './api-errors.js';
import { IdParams, limitParam, nullable, stringEnum } from './api-schemas.js';

/** The alerting stage as the routes use it: told of acknowledgements and silences at once. */
export interface AlertingControl {
  acknowledged(alertId: string, by: string): void;
  sync(): Promise<void>;
}

/** What the alert routes need from the engine. */
export interface AlertRouteDeps {
  db(): Queryable;
  /** The running alerting stage; null when there is none. */
  alerting(): AlertingControl | null;
}

const Str = Type.String();
const NStr = nullable(Type.String());
const Alert = Type.Object({
  alert_id: Str,
  source: Str,
  metric: Str,
  rule: Str,
  severity: Str,
  state: stringEnum(ALERT_STATES),
  value: nullable(Type.Number()),
  threshold: nullable(Type.Number()),
  started_at: Str,
  fired_at: NStr,
  resolved_at: NStr,
  last_notified_at: NStr,
  acknowledged_by: NStr,
  acknowledged_at: NStr,
  message: Str,
  max_severity: NStr,
  resolve_reason: NStr,
  notified: Type.Boolean(),
  silenced_by: NStr,
  last_sample_at: NStr,
});
const Silence = Type.Object({
  silence_id: Str,
  source: Str,
  metric: Str,
  severity: nullable(stringEnum(SEVERITIES)),
  starts_at: Str,
  ends_at: Str,
  comment: Str,
  created_by: NStr,
  created_at: Str,
  active: Type.Boolean(),
});

const ListQuery = Type.Object({ state: Type.Optional(stringEnum(ALERT_STATES)), limit: limitParam(10_000) }, { additionalProperties: false });
const AckBody = Type.Object({ by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
const SilenceBody = Type.Object(
  {
    source: Type.String({ pattern: GLOB_PATTERN, description: 'glob on the source' }),
    metric: Type.Optional(Type.String({ pattern: GLOB_PATTERN, description: 'glob on the metric (default *)' })),
    severity: Type.Optional(stringEnum(SEVERITIES)),
    duration_seconds: Type.Number({ exclusiveMinimum: 0, maximum: MAX_SILENCE_MS / 1000 }),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
    created_by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const SilencesQuery = Type.Object({ all: Type.Optional(Type.Boolean({ description: 'ended and future silences too' })) }, { additionalProperties: false });

/**
 * Alerts and silences: list alerts, acknowledge one, list, create and end silences. Changes are
 * written to the database, then the running alerting stage is told so they apply at once.
 */
export function alertRoutes(deps: AlertRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/alerts', { schema: { querystring: ListQuery, response: { 200: Type.Object({ alerts: Type.Array(Alert) }), ...ERROR_RESPONSES } } }, async (req) => ({
      alerts: await listAlerts(deps.db(), req.query),
    }));

    app.post(
      '/alerts/:id/ack',
      { schema: { params: IdParams, body: AckBody, response: { 200: Type.Object({ alert: Alert }), ...ERROR_RESPONSES } } },
      async (req) => {
        const { id } = req.params;
        const by = req.body?.by ?? 'api';
        const r = await acknowledgeAlert(deps.db(), id, by, Date.now());
        if (!r.ok) throw r.reason === 'not_found' ? notFound(`no alert ${id}`) : new ApiError(409, 'not_open', `alert ${id} is resolved`);
        deps.alerting()?.acknowledged(id, by);
        return { alert: r.alert };
      },
    );

    app.get('/silences', { schema: { querystring: SilencesQuery, response: { 200: Type.Object({ silences: Type.Array(Silence) }), ...ERROR_RESPONSES } } }, async (req) => ({
      silences: await silenceViews(deps.db(), Date.now(), req.query.all === true),
    }));

    app.post('/silences', { schema: { body: SilenceBody, response: { 201: Type.Object({ silence: Silence }), ...ERROR_RESPONSES } } }, async (req, reply) => {
      const b = req.body;
      const input = { source: b.source, metric: b.metric, severity: b.severity, durationMs: b.duration_seconds * 1000, comment: b.comment, createdBy: b.created_by };
      const problem = silenceProblem(input);
      if (problem) throw badRequest(problem);
      const silence = await addSilence(deps.db(), input, Date.now());
      await deps.alerting()?.sync();
      return reply.code(201).send({ silence });
    });

    app.delete('/silences/:id', { schema: { params: IdParams, response: { 200: Type.Object({ ok: Type.Boolean() }), ...ERROR_RESPONSES } } }, async (req) => {
      if (!(await removeSilence(deps.db(), req.params.id, Date.now()))) throw notFound(`no active silence ${req.params.id}`);
      await deps.alerting()?.sync();
      return { ok: true };
    });
  };
}

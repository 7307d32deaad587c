import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NAME_PATTERN } from '../model/metric-names.js';
import { TIME_ARG_HELP } from '../model/time.js';
import { REPORT_CONTENT_TYPES, renderReport } from '../report/render-report.js';
import { REPORT_FORMATS, type Report } from '../report/report-schema.js';
import { gatherReport } from '../report/stage/gather-report.js';
import { getStoredReport, listStoredReports } from '../report/stage/report-repo.js';
import { DEFAULTS } from '../config/schema.js';
import type { Queryable } from '../store/db.js';
import { storeLayout } from '../store/history-query.js';
import type { StoreLayout } from '../store/range-plan.js';
import { badRequest, ERROR_RESPONSES, notFound } from './api-errors.js';
import { IdParams, limitParam, stringEnum, timeArg, timeParam } from './api-schemas.js';

/** What the report routes need: the store. */
export interface ReportRouteDeps {
  db(): Queryable;
  /** The tiers kept (where the charts are read from); the defaults' layout when not given. */
  layout?(): StoreLayout;
}

const Format = stringEnum(REPORT_FORMATS, { description: 'json (the documented report object, in {report}), md or html (the file itself)' });
const ReportQuery = Type.Object(
  {
    since: timeArg(`start of the period (default 24h): ${TIME_ARG_HELP}`),
    until: timeArg(`end of the period (default now): ${TIME_ARG_HELP}`),
    source: Type.Optional(Type.Array(Type.String({ pattern: NAME_PATTERN }), { description: 'only these sources (repeat the parameter)' })),
    format: Type.Optional(Format),
  },
  { additionalProperties: false },
);
const StoredSummary = Type.Object({
  report_id: Type.String(),
  created_at: Type.String(),
  trigger: Type.String(),
  since: Type.String(),
  until: Type.String(),
  formats: Type.Array(Type.String()),
  summary: Type.Record(Type.String(), Type.Unknown()),
});
const Body = Type.Unknown({ description: 'the report: {report} for json, the file for md and html' });

/** Sends a report in a format: JSON wrapped in `{report}`, Markdown and HTML as files. */
function send(report: Report, format: (typeof REPORT_FORMATS)[number], name: string) {
  if (format === 'json') return { type: REPORT_CONTENT_TYPES.json, body: JSON.stringify({ report }), disposition: null };
  return { type: REPORT_CONTENT_TYPES[format], body: renderReport(report, format), disposition: `inline; filename="${name}.${format}"` };
}

/** Reports: one computed on request for a period, and the stored (scheduled) ones listed and downloaded. */
export function reportRoutes(deps: ReportRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/report', { schema: { querystring: ReportQuery, response: { 200: Body, ...ERROR_RESPONSES } } }, async (req, reply) => {
      const now = Date.now();
      const since = req.query.since === undefined ? now - 86_400_000 : timeParam('since', req.query.since, now);
      const until = req.query.until === undefined ? now : timeParam('until', req.query.until, now);
      if (since >= until) throw badRequest('since must be before until');
      const report = await gatherReport(deps.db(), { since, until, sources: req.query.source, now, layout: deps.layout?.() ?? storeLayout(DEFAULTS) });
      const out = send(report, req.query.format ?? 'json', 'report');
      if (out.disposition) reply.header('content-disposition', out.disposition);
      return reply.type(out.type).send(out.body);
    });

    app.get('/reports', { schema: { querystring: Type.Object({ limit: limitParam(1000, 'most reports returned, 1-1000 (default 100)') }, { additionalProperties: false }), response: { 200: Type.Object({ reports: Type.Array(StoredSummary) }), ...ERROR_RESPONSES } } }, async (req) => {
      return { reports: await listStoredReports(deps.db(), req.query.limit ?? 100) };
    });

    app.get('/reports/:id', { schema: { params: IdParams, querystring: Type.Object({ format: Type.Optional(Format) }, { additionalProperties: false }), response: { 200: Body, ...ERROR_RESPONSES } } }, async (req, reply) => {
      const stored = await getStoredReport(deps.db(), req.params.id);
      if (!stored) throw notFound(`no report ${req.params.id}`);
      const out = send(stored.report, req.query.format ?? 'json', `report-${req.params.id}`);
      if (out.disposition) reply.header('content-disposition', out.disposition.replace('inline', 'attachment'));
      return reply.type(out.type).send(out.body);
    });
  };
}

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { compileGlob } from '../alert/glob.js';
import { DEFAULTS } from '../config/schema.js';
import { parseDuration } from '../model/time.js';
import type { Queryable } from '../store/db.js';
import { QueryLimitError, queryHistory, storeLayout } from '../store/history-query.js';
import type { StoreLayout } from '../store/range-plan.js';
import { AGGREGATIONS } from '../store/range-query.js';
import type { SeriesIdentity } from '../store/series-catalog.js';
import { badRequest, ERROR_RESPONSES } from './api-errors.js';
import { limitParam, nullable, stringEnum, timeArg, timeParam } from './api-schemas.js';

/** What the range-query routes need: the store and its layout (tiers kept and their retention). */
export interface HistoryRouteDeps {
  db(): Queryable;
  /** The tiers kept; the defaults' layout when not given. */
  layout?(): StoreLayout;
}

/** Most series one range query may answer. */
export const MAX_SERIES = 10_000;

const GLOB = '^[A-Za-z0-9_.:*?-]{1,128}$';
const Glob = (description: string) => Type.Optional(Type.String({ pattern: GLOB, description }));
const LABEL = '^[A-Za-z0-9_.:-]{1,128}=[^\\u0000]{0,1024}$';

const QueryRangeQuery = Type.Object(
  {
    source: Glob('sources, a glob (`*` any run, `?` one character); default every source'),
    metric: Glob('metrics, a glob on the name as the API shows it (`network_rx_bytes_per_sec`) or as stored (`network_rx_bytes_per_sec.eth0`); default every metric'),
    device: Glob('devices of per-device metrics (disks, interfaces), a glob; when given, only per-device series'),
    host: Glob('hosts, a glob'),
    label: Type.Optional(Type.Array(Type.String({ pattern: LABEL }), { maxItems: 20, description: 'stream labels, `name=glob`, repeatable (all must match)' })),
    start: timeArg('start, default 1h before end'),
    end: timeArg('end, default now'),
    step: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'step: a duration (`30s`, `5m`, `1h`) or seconds; default about 250 points' })),
    agg: Type.Optional(stringEnum(AGGREGATIONS, { description: 'what each point gives of the samples in the step before it (default mean)' })),
    limit: limitParam(MAX_SERIES, `most series answered, 1-${MAX_SERIES} (default 1000); more matching is an error`),
  },
  { additionalProperties: false },
);

const QueryRangeBody = Type.Object({
  start: Type.String({ description: 'time of the first point' }),
  end: Type.String({ description: 'time of the last possible point' }),
  step_seconds: Type.Number(),
  agg: stringEnum(AGGREGATIONS),
  tier: Type.String({ description: 'where the values come from: `1m`, `5m`, `1h` or `raw` (the newest part may come from finer tiers)' }),
  series: Type.Array(
    Type.Object({
      source: Type.String(),
      host: nullable(Type.String()),
      metric: Type.String({ description: 'metric name, without the device' }),
      device: nullable(Type.String()),
      stored_metric: Type.String({ description: 'the name as stored and in SQL views' }),
      labels: Type.Record(Type.String(), Type.String()),
      timestamps: Type.Array(Type.Integer(), { description: 'epoch ms of each point: the end of its step (points without samples are left out)' }),
      values: Type.Array(nullable(Type.Number())),
    }),
  ),
});

const NICE_STEPS_S = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** A step for about 250 points: the smallest of the usual steps that is long enough. */
function defaultStepMs(rangeMs: number): number {
  const wanted = rangeMs / 250 / 1000;
  return (NICE_STEPS_S.find((s) => s >= wanted) ?? Math.ceil(wanted / 86400) * 86400) * 1000;
}

function stepParam(text: string): number {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (!(ms >= 1000 && ms <= 366 * 86_400_000)) throw badRequest(`query parameter "step": expected a duration from 1s to 366d (30s, 5m, 1h) or seconds, got ${text}`);
  return Math.round(ms);
}

/** A filter on series from the globs and labels of a request. */
function seriesFilter(q: { source?: string; metric?: string; device?: string; host?: string; label?: string[] }): (s: SeriesIdentity) => boolean {
  const glob = (g: string | undefined) => (g === undefined ? () => true : compileGlob(g));
  const [source, metric, device, host] = [glob(q.source), glob(q.metric), q.device === undefined ? null : compileGlob(q.device), glob(q.host)];
  const labels = (q.label ?? []).map((l) => {
    const eq = l.indexOf('=');
    return [l.slice(0, eq), compileGlob(l.slice(eq + 1))] as const;
  });
  return (s) =>
    source(s.source) &&
    (metric(s.name) || metric(s.metric)) &&
    (device === null || (s.device !== null && device(s.device))) &&
    host(s.host ?? '') &&
    labels.every(([k, m]) => s.labels[k] !== undefined && m(s.labels[k]!));
}

/** `GET /query_range`: several series at once, one value per step, from the tier the step allows. */
export function queryRoutes(deps: HistoryRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    // The schema documents the answer; JSON.stringify writes it: on 10^5 numbers it is 4-5 times
    // faster than the schema-compiled serializer, and the handler builds exactly that shape.
    const serializerCompiler = () => (data: unknown) => JSON.stringify(data);
    app.get('/query_range', { schema: { querystring: QueryRangeQuery, response: { 200: QueryRangeBody, ...ERROR_RESPONSES } }, serializerCompiler }, async (req) => {
      const q = req.query;
      const now = Date.now();
      const endMs = timeParam('end', q.end ?? 'now', now);
      const from = q.start === undefined ? endMs - 3_600_000 : timeParam('start', q.start, now);
      if (endMs < from) throw badRequest('query parameter "end" is before "start"');
      const stepMs = q.step === undefined ? defaultStepMs(endMs - from) : stepParam(q.step);
      // Points on multiples of the step, as Grafana aligns them: window edges then fall on bucket edges.
      const startMs = Math.floor(from / stepMs) * stepMs;
      const agg = q.agg ?? 'mean';
      const exact = q.source !== undefined && !/[*?]/.test(q.source) ? { source: q.source } : {};
      try {
        const layout = deps.layout?.() ?? storeLayout(DEFAULTS);
        const answer = await queryHistory(deps.db(), layout, { startMs, endMs, stepMs, agg, accept: seriesFilter(q), maxSeries: q.limit ?? 1000, ...exact }, now);
        return {
          start: new Date(startMs).toISOString(),
          end: new Date(endMs).toISOString(),
          step_seconds: stepMs / 1000,
          agg,
          tier: answer.plan.main,
          series: answer.series.map(({ ref, windows }) => {
            const ks = windows.indexes();
            return {
              source: ref.source,
              host: ref.host,
              metric: ref.name,
              device: ref.device,
              stored_metric: ref.metric,
              labels: { ...ref.labels },
              timestamps: ks.map((k) => startMs + k * stepMs),
              // JSON has no NaN or Infinity.
              values: ks.map((k) => {
                const v = windows.value(k)!;
                return Number.isFinite(v) ? v : null;
              }),
            };
          }),
        };
      } catch (err) {
        if (err instanceof QueryLimitError) throw badRequest(err.limit === 'series' ? `${err.message} (or raise "limit", at most ${MAX_SERIES})` : err.message);
        throw err;
      }
    });
  };
}

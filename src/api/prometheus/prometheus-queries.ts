import { MAX_POINTS_PER_SERIES, queryHistory } from '../../store/history-query.js';
import type { Queryable } from '../../store/db.js';
import type { StoreLayout } from '../../store/range-plan.js';
import { findSeries, type SeriesIdentity } from '../../store/series-catalog.js';
import type { Matcher } from './promql-ast.js';
import { evaluate, type Fetch, type Labels } from './promql-eval.js';
import { matches, parsePromQL, parseSelector } from './promql-parse.js';
import { compareLabels, formatTime, formatValue, seriesLabels, toMatrix, type MatrixSeries } from './prometheus-format.js';
import { BadData, durationParam, param, params, timeParam, type Params } from './prometheus-params.js';

/** Most series one selector may bring (more answers 422 `execution`). */
export const PROM_MAX_SERIES = 10_000;

/** What the Prometheus handlers read: the store and its layout. */
export interface PromStore {
  readonly db: Queryable;
  readonly layout: StoreLayout;
}

type Sample = [number, string];
/** The `data` of an instant query. */
export type InstantData = { resultType: 'scalar'; result: Sample } | { resultType: 'vector'; result: { metric: Labels; value: Sample }[] };

function accepts(selectors: readonly (readonly Matcher[])[]): (s: SeriesIdentity) => boolean {
  return (s) => {
    const labels = seriesLabels(s);
    return selectors.some((ms) => ms.every((m) => matches(m, labels[m.name] ?? '')));
  };
}

/** Reads the series of one selector for the evaluator, narrowed in SQL by an exact `source`. */
function fetcher(store: PromStore, now: number): Fetch {
  return async (r) => {
    const source = r.matchers.find((m) => m.name === 'source' && m.op === '=')?.value;
    const query = { startMs: r.startMs, endMs: r.endMs, stepMs: r.stepMs, agg: r.agg, accept: accepts([r.matchers]), maxSeries: PROM_MAX_SERIES };
    const answer = await queryHistory(store.db, store.layout, source === undefined ? query : { ...query, source }, now);
    return answer.series.map((s) => ({ labels: seriesLabels(s.ref), windows: s.windows }));
  };
}

/** `/query`: the expression at `time` (default now), a scalar or a vector. */
export async function instantQuery(store: PromStore, p: Params): Promise<InstantData> {
  const now = Date.now();
  const e = parsePromQL(param(p, 'query') ?? '');
  const t = timeParam(p, 'time', now);
  const v = await evaluate(e, { startMs: t, stepMs: 1, points: 1, instant: true }, fetcher(store, now));
  if (v.kind === 'scalar') return { resultType: 'scalar', result: [formatTime(t), formatValue(v.values[0]!)] };
  const result = v.series
    .filter((s) => s.values[0] !== undefined)
    .map((s) => ({ metric: s.labels, value: [formatTime(t), formatValue(s.values[0]!)] as Sample }))
    .sort((a, b) => compareLabels(a.metric, b.metric));
  return { resultType: 'vector', result };
}

/** `/query_range`: the expression at every step from `start` to `end`, a matrix; Prometheus's checks and messages. */
export async function rangeQuery(store: PromStore, p: Params): Promise<{ resultType: 'matrix'; result: MatrixSeries[] }> {
  const now = Date.now();
  const e = parsePromQL(param(p, 'query') ?? '');
  const startMs = timeParam(p, 'start', NaN);
  const endMs = timeParam(p, 'end', NaN);
  if (Number.isNaN(startMs)) throw new BadData('invalid parameter "start": cannot parse "" to a valid timestamp');
  if (Number.isNaN(endMs)) throw new BadData('invalid parameter "end": cannot parse "" to a valid timestamp');
  if (endMs < startMs) throw new BadData('end timestamp must not be before start time');
  const stepMs = durationParam(p, 'step');
  if (stepMs <= 0) throw new BadData('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES) throw new BadData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  const grid = { startMs, stepMs, points: Math.floor((endMs - startMs) / stepMs) + 1, instant: false };
  const v = await evaluate(e, grid, fetcher(store, now));
  return { resultType: 'matrix', result: toMatrix(v.kind === 'scalar' ? [{ labels: {}, values: v.values }] : v.series, startMs, stepMs) };
}

/** The label sets of the series the `match[]` selectors (all series when none) select between `start` and `end`. */
export async function labelSets(store: PromStore, p: Params, required: boolean): Promise<Labels[]> {
  const texts = params(p, 'match[]');
  if (required && texts.length === 0) throw new BadData('no match[] parameter provided');
  const selectors = texts.map((t) => {
    try {
      return parseSelector(t);
    } catch (err) {
      throw new BadData(`invalid parameter "match[]": ${(err as Error).message}`);
    }
  });
  const fromMs = timeParam(p, 'start', 0);
  const toMs = timeParam(p, 'end', Date.now() + 86_400_000);
  const refs = await findSeries(store.db, { fromMs, toMs: toMs + 1, accept: selectors.length === 0 ? () => true : accepts(selectors), indexed: store.layout.tiers.length > 0 });
  const seen = new Map<string, Labels>();
  for (const r of refs) {
    const l = seriesLabels(r);
    seen.set(JSON.stringify(Object.entries(l).sort()), l);
  }
  return [...seen.values()].sort(compareLabels);
}

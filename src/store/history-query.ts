import type { Config } from '../config/schema.js';
import type { Queryable } from './db.js';
import { planRange, type RangePlan, type StoreLayout } from './range-plan.js';
import { readWindows, type Aggregation, type SeriesWindows } from './range-query.js';
import { findSeries, type SeriesIdentity, type SeriesRef } from './series-catalog.js';

/** Most points one series may have in an answer (Prometheus's own limit, which Grafana knows). */
export const MAX_POINTS_PER_SERIES = 11_000;

/** The store's layout as the configuration sets it: the tiers kept and for how long. */
export function storeLayout(c: Pick<Config, 'store_tiers_enabled' | 'store_tier_1m_retention_days' | 'store_tier_5m_retention_days' | 'store_tier_1h_retention_days' | 'data_retention_days'>): StoreLayout {
  return {
    rawRetentionDays: c.data_retention_days,
    tiers: c.store_tiers_enabled
      ? [
          { name: '1m', retentionDays: c.store_tier_1m_retention_days },
          { name: '5m', retentionDays: c.store_tier_5m_retention_days },
          { name: '1h', retentionDays: c.store_tier_1h_retention_days },
        ]
      : [],
  };
}

/** A range query over several series. */
export interface HistoryQuery {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
  readonly agg: Aggregation;
  /** Only this source (narrowed in SQL), when the selector names one. */
  readonly source?: string;
  /** Keeps a series when it returns true. */
  accept(s: SeriesIdentity): boolean;
  /** Most series answered; more is an error (the caller narrows the selector). */
  readonly maxSeries: number;
}

/** Why a query was refused before reading anything. */
export class QueryLimitError extends Error {
  override readonly name = 'QueryLimitError';
  constructor(
    readonly limit: 'points' | 'series',
    message: string,
  ) {
    super(message);
  }
}

/** The answer: the plan followed, and the windows of each series. */
export interface HistoryAnswer {
  readonly plan: RangePlan;
  readonly series: readonly { readonly ref: SeriesRef; readonly windows: SeriesWindows }[];
}

/**
 * Answers a range query: checks the number of points, finds the series (refusing more than
 * `maxSeries`), plans the sources for the step and reads the windows.
 */
export async function queryHistory(q: Queryable, layout: StoreLayout, query: HistoryQuery, now: number): Promise<HistoryAnswer> {
  const points = Math.floor((query.endMs - query.startMs) / query.stepMs) + 1;
  if (points > MAX_POINTS_PER_SERIES) {
    const minStep = Math.ceil((query.endMs - query.startMs) / (MAX_POINTS_PER_SERIES - 1) / 1000);
    throw new QueryLimitError('points', `${points} points per series is more than the ${MAX_POINTS_PER_SERIES} allowed; use a step of at least ${minStep}s`);
  }
  const plan = planRange(query.startMs, query.endMs, query.stepMs, now, layout);
  const refs = await findSeries(q, {
    fromMs: plan.originMs,
    toMs: plan.endMs,
    ...(query.source !== undefined ? { source: query.source } : {}),
    accept: query.accept,
    indexed: layout.tiers.length > 0,
  });
  if (refs.length > query.maxSeries) {
    throw new QueryLimitError('series', `${refs.length} series match, more than the ${query.maxSeries} allowed; narrow the selection`);
  }
  const windows = await readWindows(q, refs, plan, query.agg);
  return { plan, series: refs.map((ref, i) => ({ ref, windows: windows[i]! })) };
}

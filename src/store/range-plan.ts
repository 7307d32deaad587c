import { bucketStart, tierSpec, TIER_NAMES, type TierName } from './tiers.js';

/** Where values are read from: a tier, or the raw samples. */
export type DataSource = TierName | 'raw';

/** A tier a query may read, with how long it keeps buckets. */
export interface TierAvailability {
  readonly name: TierName;
  readonly retentionDays: number;
}

/** What the planner knows of the store: the tiers kept (none when they are off) and the raw retention. */
export interface StoreLayout {
  readonly tiers: readonly TierAvailability[];
  readonly rawRetentionDays: number;
  /** Per tier, where this engine's unstored buckets begin (TierWriter.unstoredSince): the tier is read only before it. */
  readonly unstoredSince?: Readonly<Partial<Record<TierName, number>>>;
}

/** A time range read from one source. */
export interface Segment {
  readonly source: DataSource;
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * How a range query is answered. Point `k` (0..points-1) is at `startMs + k * stepMs` and
 * summarizes the window [its time - step, its time): the step before it, as Prometheus looks back.
 */
export interface RangePlan {
  readonly startMs: number;
  readonly stepMs: number;
  readonly points: number;
  /** Start of the first window: `startMs - stepMs`. */
  readonly originMs: number;
  /** End of the last window (exclusive). */
  readonly endMs: number;
  /** The source chosen for the step. */
  readonly main: DataSource;
  /** The sources read, in time order: the main one, then finer tiers and raw samples for what the main one does not hold yet. */
  readonly segments: readonly Segment[];
}

const DAY_MS = 86_400_000;

/**
 * How long after a bucket ends it may take to be stored: a 1-minute bucket closes when its
 * stream's next sample comes (or 10 s after its minute) and is written at the next 5-s tick; a
 * coarser bucket closes when the first finer bucket after it does.
 */
const STORE_LAG_MS: Readonly<Record<TierName, number>> = { '1m': 120_000, '5m': 180_000, '1h': 480_000 };

/**
 * A tier fits a step when its buckets do not straddle windows, or are at most a tenth of a window
 * (so an edge is off by at most a tenth of a step): its width divides the step and the origin, or
 * is ten or more times smaller than the step.
 */
function fits(widthMs: number, stepMs: number, originMs: number): boolean {
  if (widthMs > stepMs) return false;
  if (widthMs * 10 <= stepMs) return true;
  return stepMs % widthMs === 0 && originMs % widthMs === 0;
}

/**
 * Chooses where a range query reads: the coarsest tier that fits the step and still holds the
 * range's start (raw samples when none does; when neither the fitting tiers nor the raw samples
 * reach back that far, the finest tier that does, whose answer then has fewer points than the
 * step allows). The part of the range a tier does not hold yet (its open buckets: the ones a
 * bucket's age says, and those the engine's tier writer still has, late data included) is read
 * from the finer tiers and the raw samples.
 */
export function planRange(startMs: number, endMs: number, stepMs: number, now: number, layout: StoreLayout): RangePlan {
  const points = Math.floor((endMs - startMs) / stepMs) + 1;
  const originMs = startMs - stepMs;
  const to = startMs + (points - 1) * stepMs;
  const holds = (days: number) => originMs >= now - days * DAY_MS;
  const kept = TIER_NAMES.filter((n) => layout.tiers.some((t) => t.name === n));
  const days = (n: TierName) => layout.tiers.find((t) => t.name === n)!.retentionDays;
  const coarseFirst = [...kept].reverse();
  const fitting = coarseFirst.filter((n) => fits(tierSpec(n).widthMs, stepMs, originMs));
  const main: DataSource =
    fitting.find((n) => holds(days(n))) ??
    (holds(layout.rawRetentionDays) ? 'raw' : (kept.find((n) => holds(days(n))) ?? coarseFirst.sort((a, b) => days(b) - days(a))[0] ?? 'raw'));
  const chain: DataSource[] = main === 'raw' ? ['raw'] : [...kept.slice(0, kept.indexOf(main) + 1).reverse(), 'raw'];
  const segments: Segment[] = [];
  let cursor = originMs;
  for (const source of chain) {
    const horizon = source === 'raw' ? to : Math.min(to, bucketStart(now - STORE_LAG_MS[source], tierSpec(source).widthMs), layout.unstoredSince?.[source] ?? Infinity);
    if (horizon > cursor) {
      segments.push({ source, fromMs: cursor, toMs: horizon });
      cursor = horizon;
    }
  }
  return { startMs, stepMs, points, originMs, endMs: to, main, segments };
}

import type { Sample } from '../model/snapshot.js';
import { median, percentile } from './rank-stats.js';

/** Samples of one series before and after a change. */
export interface BeforeAfter<T = Sample> {
  readonly before: readonly T[];
  readonly after: readonly T[];
}

/** A judged value with the load of the same instant, both on the scale they are compared on. */
interface Point {
  readonly y: number;
  readonly load: number;
}

/** The values to compare once the load is accounted for. */
export interface LoadControlled {
  readonly before: number[];
  readonly after: number[];
  /** Change of the (transformed) metric per unit of (transformed) load, estimated within each side. */
  readonly slope: number;
  /** Samples outside the load range both sides share, left out. */
  readonly outsideRange: { readonly before: number; readonly after: number };
}

/** Share of a side's samples that must have a load figure of the same instant for the load to be used. */
const MIN_PAIRED = 0.8;
/** Points per side used for the slope (evenly spread): bounds its cost to about 11,000 pairs a side. */
const SLOPE_POINTS = 150;
/** The load range both sides share is taken between these percentiles of each. */
const RANGE_PCT = [5, 95] as const;

const log = (v: number) => Math.log(v);
const same = (v: number) => v;

/** Pairs each sample with the load of the same timestamp; null when too few have one. */
function pair(values: readonly Sample[], load: readonly Sample[]): { y: number; load: number }[] | null {
  const at = new Map<number, number>();
  for (const s of load) at.set(s.timestamp, s.value);
  const out: { y: number; load: number }[] = [];
  for (const s of values) {
    const l = at.get(s.timestamp);
    if (l !== undefined) out.push({ y: s.value, load: l });
  }
  return values.length > 0 && out.length >= MIN_PAIRED * values.length ? out : null;
}

/** Evenly spread points, at most `max`, in order. */
function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

/**
 * Theil-Sen slope of y on load from pairs within each side only, so that a step between the sides
 * (the change itself, or a load step at the change) does not enter the slope: only how the metric
 * follows the load within a window (noise, daily cycle) does. 0 when the load never varies.
 */
export function withinSideSlope(sides: readonly (readonly Point[])[]): number {
  const slopes: number[] = [];
  for (const side of sides) {
    const pts = spread(side, SLOPE_POINTS);
    for (let i = 0; i < pts.length; i++) {
      for (let j = i + 1; j < pts.length; j++) {
        const dx = pts[j]!.load - pts[i]!.load;
        if (dx !== 0) slopes.push((pts[j]!.y - pts[i]!.y) / dx);
      }
    }
  }
  return slopes.length > 0 ? median(slopes) : 0;
}

/**
 * Controls the comparison for load (`handler_calls_per_sec`): the metric and the load are paired
 * by timestamp and compared on the scale given (`transform`, the log for positive figures, where a
 * slope is an elasticity), the metric's dependence on load is estimated within each side, samples
 * outside the load range both sides share are left out (no extrapolation), and each value is
 * moved to the pooled median load along the slope. Null when the load cannot be used (too few
 * samples with a load figure), and the caller compares the raw values.
 */
export function controlForLoad(values: BeforeAfter, load: BeforeAfter, transform: (v: number) => number): LoadControlled | null {
  const before = pair(values.before, load.before);
  const after = pair(values.after, load.after);
  if (!before || !after) return null;
  const loadScale = [...before, ...after].every((p) => p.load > 0) ? log : same;
  const toPoint = (p: { y: number; load: number }): Point => ({ y: transform(p.y), load: loadScale(p.load) });
  const b = before.map(toPoint);
  const a = after.map(toPoint);
  const slope = withinSideSlope([b, a]);
  const lo = Math.max(percentile(b.map((p) => p.load), RANGE_PCT[0]), percentile(a.map((p) => p.load), RANGE_PCT[0]));
  const hi = Math.min(percentile(b.map((p) => p.load), RANGE_PCT[1]), percentile(a.map((p) => p.load), RANGE_PCT[1]));
  const inRange = (p: Point) => p.load >= lo && p.load <= hi;
  const keptB = b.filter(inRange);
  const keptA = a.filter(inRange);
  const ref = median([...keptB, ...keptA].map((p) => p.load));
  const adjust = (p: Point) => p.y - slope * (p.load - ref);
  return {
    before: keptB.map(adjust),
    after: keptA.map(adjust),
    slope,
    outsideRange: { before: b.length - keptB.length, after: a.length - keptA.length },
  };
}

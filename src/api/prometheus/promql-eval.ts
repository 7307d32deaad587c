import { combinePartial, windowValue, type Aggregation, type SeriesWindows, type WindowPartial } from '../../store/range-query.js';
import { applyBinary, RANGE_FUNCTIONS, type AggregateOp, type Expr, type Grouping, type Matcher } from './promql-ast.js';

/** A series' labels, `__name__` included. */
export type Labels = Readonly<Record<string, string>>;

/** A series evaluated on the grid: one value per point, undefined where it has none. */
export interface EvalSeries {
  readonly labels: Labels;
  readonly values: readonly (number | undefined)[];
}

/** What an expression evaluates to. */
export type EvalValue = { readonly kind: 'vector'; readonly series: readonly EvalSeries[] } | { readonly kind: 'scalar'; readonly values: readonly number[] };

/** The points evaluated: `startMs + k * stepMs` for k < points; an instant query has one. */
export interface Grid {
  readonly startMs: number;
  readonly stepMs: number;
  readonly points: number;
  readonly instant: boolean;
}

/** What the evaluator asks the store: windows `[t - stepMs, t)` for t = startMs, startMs + stepMs, ... endMs. */
export interface FetchRequest {
  readonly matchers: readonly Matcher[];
  readonly agg: Aggregation;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

/** A series the store found, with its windows (index 0 = the window ending at the request's startMs). */
export interface FetchedSeries {
  readonly labels: Labels;
  readonly windows: SeriesWindows;
}

/** Reads series from the store. */
export type Fetch = (r: FetchRequest) => Promise<readonly FetchedSeries[]>;

/** How far back a plain selector looks for a sample, as in Prometheus. */
export const LOOKBACK_MS = 300_000;

function withoutName(l: Labels): Labels {
  const { __name__: _, ...rest } = l;
  return rest;
}

/**
 * A plain selector: the last sample in the step before each point, or, when that step is empty,
 * the last one within the 5-minute lookback.
 */
async function selector(matchers: readonly Matcher[], grid: Grid, fetch: Fetch): Promise<EvalSeries[]> {
  const end = grid.startMs + (grid.points - 1) * grid.stepMs;
  const stepMs = grid.instant ? LOOKBACK_MS : grid.stepMs;
  const found = await fetch({ matchers, agg: 'last', startMs: grid.startMs, endMs: end, stepMs });
  return found.map((s) => {
    const values: (number | undefined)[] = new Array(grid.points);
    let carry: WindowPartial | undefined;
    for (let k = 0; k < grid.points; k++) {
      const w = s.windows.partial(k);
      if (w) carry = w;
      const t = grid.startMs + k * grid.stepMs;
      values[k] = carry && carry.a >= t - LOOKBACK_MS ? carry.b : undefined;
    }
    return { labels: s.labels, values };
  });
}

/** A `*_over_time` function: on a range grid, the windows of `rangeMs / step` steps combined. */
async function rangeFunction(e: Extract<Expr, { type: 'range_function' }>, grid: Grid, fetch: Fetch): Promise<EvalSeries[]> {
  const agg = RANGE_FUNCTIONS[e.fn];
  const end = grid.startMs + (grid.points - 1) * grid.stepMs;
  const m = grid.instant ? 1 : Math.max(1, Math.round(e.rangeMs / grid.stepMs));
  const stepMs = grid.instant ? e.rangeMs : grid.stepMs;
  const found = await fetch({ matchers: e.matchers, agg, startMs: grid.startMs - (m - 1) * stepMs, endMs: end, stepMs });
  return found.map((s) => {
    const values: (number | undefined)[] = new Array(grid.points);
    for (let k = 0; k < grid.points; k++) {
      let acc: WindowPartial | undefined;
      for (let j = k; j < k + m; j++) {
        const w = s.windows.partial(j);
        if (!w) continue;
        if (acc) combinePartial(agg, acc, w);
        else acc = { ...w };
      }
      values[k] = acc ? windowValue(agg, acc) : undefined;
    }
    return { labels: withoutName(s.labels), values };
  });
}

function groupLabels(l: Labels, g: Grouping | null): Labels {
  if (!g) return {};
  if (g.mode === 'by') return Object.fromEntries(g.labels.filter((n) => l[n] !== undefined).map((n) => [n, l[n]!]));
  return Object.fromEntries(Object.entries(withoutName(l)).filter(([n]) => !g.labels.includes(n)));
}

/** `sum`, `avg`, `min`, `max` or `count` across series, per point, in groups of equal grouping labels. */
function aggregate(op: AggregateOp, grouping: Grouping | null, series: readonly EvalSeries[], points: number): EvalSeries[] {
  const groups = new Map<string, { labels: Labels; members: EvalSeries[] }>();
  for (const s of series) {
    const labels = groupLabels(s.labels, grouping);
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    const g = groups.get(key) ?? { labels, members: [] };
    g.members.push(s);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ labels, members }) => {
    const values: (number | undefined)[] = new Array(points);
    for (let k = 0; k < points; k++) {
      const vs = members.map((s) => s.values[k]).filter((v): v is number => v !== undefined);
      if (vs.length === 0) continue;
      if (op === 'count') values[k] = vs.length;
      else if (op === 'min') values[k] = vs.reduce((a, b) => (b < a || Number.isNaN(a) ? b : a));
      else if (op === 'max') values[k] = vs.reduce((a, b) => (b > a || Number.isNaN(a) ? b : a));
      else {
        const sum = vs.reduce((a, b) => a + b, 0);
        values[k] = op === 'sum' ? sum : sum / vs.length;
      }
    }
    return { labels, values };
  });
}

/** Evaluates an expression of the subset on a grid, reading series through `fetch`. */
export async function evaluate(e: Expr, grid: Grid, fetch: Fetch): Promise<EvalValue> {
  switch (e.type) {
    case 'number':
      return { kind: 'scalar', values: new Array<number>(grid.points).fill(e.value) };
    case 'selector':
      return { kind: 'vector', series: await selector(e.matchers, grid, fetch) };
    case 'range_function':
      return { kind: 'vector', series: await rangeFunction(e, grid, fetch) };
    case 'aggregate': {
      const inner = await evaluate(e.expr, grid, fetch);
      return { kind: 'vector', series: inner.kind === 'vector' ? aggregate(e.op, e.grouping, inner.series, grid.points) : [] };
    }
    case 'negate':
      return evaluate({ type: 'binary', op: '*', left: { type: 'number', value: -1 }, right: e.expr }, grid, fetch);
    case 'binary': {
      const [l, r] = [await evaluate(e.left, grid, fetch), await evaluate(e.right, grid, fetch)];
      if (l.kind === 'scalar' && r.kind === 'scalar') return { kind: 'scalar', values: l.values.map((a, k) => applyBinary(e.op, a, r.values[k]!)) };
      const [vec, sc, vecLeft] = l.kind === 'vector' ? [l, r as Extract<EvalValue, { kind: 'scalar' }>, true] : [r as Extract<EvalValue, { kind: 'vector' }>, l, false];
      return {
        kind: 'vector',
        series: vec.series.map((s) => ({
          labels: withoutName(s.labels),
          values: s.values.map((v, k) => (v === undefined ? undefined : vecLeft ? applyBinary(e.op, v, sc.values[k]!) : applyBinary(e.op, sc.values[k]!, v))),
        })),
      };
    }
  }
}

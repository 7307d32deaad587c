import type { SeriesIdentity } from '../../store/series-catalog.js';
import type { EvalSeries, Labels } from './promql-eval.js';

/** Labels the engine sets itself; a stream label of the same name is left out. */
const RESERVED = new Set(['__name__', 'source', 'host', 'device']);

/** A stream label name as a Prometheus label name: characters outside [a-zA-Z0-9_] become `_`, a leading digit gets a `_`. */
export function promLabelName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/**
 * The Prometheus labels of a series: `__name__` (the metric without its device), `source`,
 * `host` and `device` when set, then the stream's labels (docs/history.md#prometheus-http-api).
 */
export function seriesLabels(s: SeriesIdentity): Labels {
  const out: Record<string, string> = { __name__: s.name, source: s.source };
  if (s.host !== null) out.host = s.host;
  if (s.device !== null) out.device = s.device;
  for (const [k, v] of Object.entries(s.labels)) {
    const name = promLabelName(k);
    if (!RESERVED.has(name) && out[name] === undefined) out[name] = v;
  }
  return out;
}

/** Orders label sets as Prometheus sorts series: label by label in name order, names then values. */
export function compareLabels(a: Labels, b: Labels): number {
  const ea = Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  const eb = Object.entries(b).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    const [[na, va], [nb, vb]] = [ea[i]!, eb[i]!];
    if (na !== nb) return na < nb ? -1 : 1;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ea.length - eb.length;
}

/**
 * A sample value as Prometheus writes it (Go's strconv.FormatFloat(v, 'f', -1, 64)): the
 * shortest digits that read back to the same float, without an exponent; `NaN`, `+Inf`, `-Inf`.
 */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const exp = Number(s.slice(e + 1));
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + exp;
  const plain = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${plain}` : plain;
}

/** A timestamp as Prometheus writes it: Unix seconds, a JSON number with up to three decimals. */
export function formatTime(ms: number): number {
  return ms / 1000;
}

/** One series of a `matrix` result. */
export interface MatrixSeries {
  metric: Labels;
  values: [number, string][];
}

/** Evaluated series as a `matrix`: points without a value left out, series without any left out, sorted by labels. */
export function toMatrix(series: readonly EvalSeries[], startMs: number, stepMs: number): MatrixSeries[] {
  const out: MatrixSeries[] = [];
  for (const s of series) {
    const values: [number, string][] = [];
    s.values.forEach((v, k) => {
      if (v !== undefined) values.push([formatTime(startMs + k * stepMs), formatValue(v)]);
    });
    if (values.length > 0) out.push({ metric: s.labels, values });
  }
  return out.sort((a, b) => compareLabels(a.metric, b.metric));
}

import { h } from './dom.js';

/** Units the evidence keys carry in their names (`_ms`, `_bytes`, `_pct`...), as shown after a value. */
const SUFFIX_UNITS: [RegExp, string][] = [
  [/(_|^)ms$/, 'ms'],
  [/(_|^)(s|seconds)$/, 's'],
  [/(_|^)bytes$/, 'B'],
  [/(_|^)(pct|percent)$/, '%'],
  [/_per_sec$/, '/s'],
];
/** Metric-name fragments that say a value's unit when the key does not. */
const METRIC_UNITS: [RegExp, string][] = [
  [/_bytes(_|$)/, 'B'],
  [/(_ms)(_|$)|_lag_p\d+_ms/, 'ms'],
  [/percent|_usage$|_pct$/, '%'],
  [/per_sec/, '/s'],
];

/** Keys whose values are ratios or counts whatever the metric: no unit from the metric's name. */
const UNITLESS = /(^|_)(ratio|score|confidence|count|samples|fraction|share|factor|instances|z)$/;

function unitOf(key: string, context: string): string {
  if (/(^|_)ratio$/.test(key)) return '×';
  if (UNITLESS.test(key)) return '';
  for (const [re, u] of SUFFIX_UNITS) if (re.test(key)) return u;
  const path = context.split('.').reverse();
  for (const segment of path) for (const [re, u] of METRIC_UNITS) if (re.test(segment)) return u;
  return '';
}

/** A number as people read it: 3 significant digits, bytes in KiB/MiB/GiB, thousands apart. */
export function readableNumber(v: number, unit: string): string {
  if (!Number.isFinite(v)) return String(v);
  if (unit === 'B') {
    const steps: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
    for (const [d, u] of steps) if (Math.abs(v) >= d) return `${+(v / d).toPrecision(3)} ${u}`;
    return `${v} B`;
  }
  const abs = Math.abs(v);
  const text = Number.isInteger(v) ? v.toLocaleString('en-US') : abs >= 1000 ? Math.round(v).toLocaleString('en-US') : abs >= 1 ? String(+v.toFixed(2)) : String(+v.toPrecision(3));
  return unit === '' ? text : unit === '×' ? `${text}×` : unit === '%' ? `${text} %` : `${text} ${unit}`;
}

/**
 * One evidence value as readable HTML: numbers with the unit their key or metric names, lists
 * as comma-separated values (or a list of entries when they hold objects), objects as nested
 * key/value tables. `context` is the path of keys above it, for units named by a metric.
 */
export function evidenceValue(v: unknown, key: string, context = key, depth = 0): Node {
  if (v === null || v === undefined) return document.createTextNode('—');
  if (typeof v === 'number') return document.createTextNode(readableNumber(v, unitOf(key, context)));
  if (typeof v === 'boolean') return document.createTextNode(v ? 'yes' : 'no');
  if (typeof v === 'string') return document.createTextNode(/^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v)) ? new Date(v).toLocaleString() : v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) return document.createTextNode(v.map((x) => (evidenceValue(x, key, context, depth + 1).textContent ?? '')).join(', ') || '—');
    return h('ol.ev-list', {}, ...v.map((x, i) => h('li', {}, evidenceValue(x, `${key}[${i}]`, context, depth + 1))));
  }
  if (depth > 4) return document.createTextNode(JSON.stringify(v));
  return evidenceTable(v as Record<string, unknown>, context, depth + 1);
}

/** Evidence as a key/value table, nested values as nested tables. */
export function evidenceTable(evidence: Record<string, unknown>, context = '', depth = 0, id?: string): HTMLElement {
  const rows = Object.entries(evidence).map(([k, v]) => h('tr', {}, h('th', {}, k.replace(/_/g, ' ')), h('td', {}, evidenceValue(v, k, `${context}.${k}`, depth))));
  return h(depth === 0 ? 'table.kv' : 'table.kv.nested', id ? { id } : {}, ...rows);
}

/** Parameters on one line: `kind cpu · target agent_id dash-1 · duration seconds 30 s`. */
export function inlineParams(params: Record<string, unknown>): string {
  const flat = (v: unknown, key: string): string =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k.replace(/_/g, ' ')} ${flat(x, k)}`).join(', ')
      : (evidenceValue(v, key).textContent ?? '');
  return Object.entries(params).map(([k, v]) => `${k.replace(/_/g, ' ')} ${flat(v, k)}`).join(' · ');
}

import type { FunctionTotals } from './function-totals.js';
import { displayName, type FunctionKey } from './profile-tree.js';

/**
 * One function's share of a CPU profile, exactly the `hotspots` item of PROTOCOL.md's
 * `performance.profile_report`: `line` is 1-based (0 when unknown), times in milliseconds and
 * percentages of the whole profile duration (idle included).
 */
export interface Hotspot {
  readonly function: string;
  readonly url: string;
  readonly line: number;
  readonly self_ms: number;
  readonly self_pct: number;
  readonly total_ms: number;
  readonly total_pct: number;
}

/** Options of `hotspots`. */
export interface HotspotOptions {
  /** Keep at most this many (default all). */
  readonly top?: number;
  /** Leave out the root pseudo-function `(root)`, which has all the time and none of it (default true). */
  readonly omitRoot?: boolean;
}

/** Rounds to a fixed number of decimals so reports stay readable and stable. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/**
 * Hotspots by function, heaviest self time first (ties: heavier total, then name). `function` is
 * V8's name (`(anonymous)` for an empty one); the meta functions `(program)`, `(idle)` and
 * `(garbage collector)` are kept under those names. Weights are microseconds.
 */
export function hotspots(functions: readonly FunctionKey[], totals: FunctionTotals, options: HotspotOptions = {}): Hotspot[] {
  const omitRoot = options.omitRoot ?? true;
  const grand = totals.grandTotal;
  const pct = (v: number): number => (grand > 0 ? round((100 * v) / grand, 2) : 0);
  const rows: number[] = [];
  functions.forEach((fn, i) => {
    if (omitRoot && fn.name === '(root)' && fn.url === '') return;
    if (totals.total[i]! > 0 || totals.self[i]! > 0) rows.push(i);
  });
  rows.sort(
    (a, b) =>
      totals.self[b]! - totals.self[a]! ||
      totals.total[b]! - totals.total[a]! ||
      functions[a]!.name.localeCompare(functions[b]!.name) ||
      a - b,
  );
  const kept = options.top === undefined ? rows : rows.slice(0, Math.max(0, options.top));
  return kept.map((i) => {
    const fn = functions[i]!;
    return {
      function: displayName(fn.name),
      url: fn.url,
      line: fn.line,
      self_ms: round(totals.self[i]! / 1000, 3),
      self_pct: pct(totals.self[i]!),
      total_ms: round(totals.total[i]! / 1000, 3),
      total_pct: pct(totals.total[i]!),
    };
  });
}

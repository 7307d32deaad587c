/**
 * Increase of a monotonic counter between two readings; undefined when either reading is missing
 * or the counter went backwards (a 32-bit wrap, a re-plugged device, a reset), so that the caller
 * skips that rate for this tick instead of reporting a negative or absurd one.
 */
export function counterDelta(prev: number | undefined, cur: number | undefined): number | undefined {
  if (prev === undefined || cur === undefined || !Number.isFinite(prev) || !Number.isFinite(cur)) return undefined;
  return cur >= prev ? cur - prev : undefined;
}

/** Per-second rate of a counter over `elapsedMs`; undefined as for counterDelta or when no time passed. */
export function ratePerSec(prev: number | undefined, cur: number | undefined, elapsedMs: number): number | undefined {
  const d = counterDelta(prev, cur);
  return d === undefined || !(elapsedMs > 0) ? undefined : (d * 1000) / elapsedMs;
}

/** Metrics of one snapshot being built: name -> value. */
export type MetricSink = Record<string, number>;

/** Sets `name` when `value` is a finite number, so that an unavailable reading leaves the metric absent. */
export function put(out: MetricSink, name: string, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) out[name] = value;
}

/** `part / whole` as a percentage clamped to 0-100; undefined when `whole` is not positive. */
export function pct(part: number | undefined, whole: number | undefined): number | undefined {
  if (part === undefined || whole === undefined || !(whole > 0)) return undefined;
  return Math.min(100, Math.max(0, (part / whole) * 100));
}

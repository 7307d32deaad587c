/** Median of the finite values, NaN when there are none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Largest finite value, NaN when there are none. */
export function maxOf(values: readonly number[]): number {
  let m = Number.NaN;
  for (const v of values) if (Number.isFinite(v) && !(v <= m)) m = v;
  return m;
}

/** `value / ref` when both are finite and `ref` is above `floor`; NaN otherwise. */
export function ratio(value: number, ref: number, floor = 1e-9): number {
  if (!Number.isFinite(value) || !Number.isFinite(ref)) return Number.NaN;
  return value / Math.max(ref, floor);
}

/** A least-squares line through (time, value). */
export interface LineFit {
  /** Value units per second. */
  readonly slopePerSecond: number;
  /** R² in [0, 1]. */
  readonly r2: number;
  /** Fitted value at the last timestamp. */
  readonly last: number;
  /** Seconds covered. */
  readonly spanSeconds: number;
  readonly points: number;
}

/** Ordinary least squares of values on timestamps (epoch ms); null with fewer than 3 points or no time span. */
export function fitLine(ts: readonly number[], values: readonly number[]): LineFit | null {
  const n = Math.min(ts.length, values.length);
  if (n < 3) return null;
  const t0 = ts[0]!;
  let st = 0;
  let sv = 0;
  for (let i = 0; i < n; i++) {
    st += (ts[i]! - t0) / 1000;
    sv += values[i]!;
  }
  const mt = st / n;
  const mv = sv / n;
  let stt = 0;
  let stv = 0;
  let svv = 0;
  for (let i = 0; i < n; i++) {
    const dt = (ts[i]! - t0) / 1000 - mt;
    const dv = values[i]! - mv;
    stt += dt * dt;
    stv += dt * dv;
    svv += dv * dv;
  }
  if (!(stt > 0)) return null;
  const slope = stv / stt;
  const r2 = svv > 0 ? Math.min(1, (stv * stv) / (stt * svv)) : 0;
  const spanSeconds = (ts[n - 1]! - t0) / 1000;
  return { slopePerSecond: slope, r2, last: mv + slope * (spanSeconds - mt), spanSeconds, points: n };
}

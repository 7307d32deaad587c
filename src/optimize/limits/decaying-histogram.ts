/** Shape of a {@link DecayingHistogram}: bucket bounds and how fast old samples lose weight. */
export interface HistogramShape {
  /** Width of the first bucket; bucket i starts at `first × (ratio^i − 1) / (ratio − 1)`. */
  readonly firstBucketSize: number;
  /** Growth of the bucket widths (1.05: each bucket is 5 % wider than the one before). */
  readonly ratio: number;
  /** Values at or above this all land in the last bucket. */
  readonly maxValue: number;
  /** A sample loses half its weight every `halfLifeMs` of event time. */
  readonly halfLifeMs: number;
}

/** Beyond this exponent the weights are rescaled, so that they never overflow a double. */
const MAX_EXPONENT = 64;

/**
 * A histogram of usage with exponentially growing buckets whose samples decay with age, as the
 * Kubernetes Vertical Pod Autoscaler keeps CPU and memory usage: instead of shrinking every bucket
 * as time passes, a sample taken at `t` is added with weight `2^((t − ref) / halfLife)`, so a
 * newer sample counts more and only ratios matter. Percentiles return the upper bound of the
 * bucket they fall in (at most `ratio − 1` above the true value): a limit errs on the high side.
 */
export class DecayingHistogram {
  readonly #weights: number[];
  #total = 0;
  #refMs: number | undefined;

  constructor(readonly shape: HistogramShape) {
    this.#weights = new Array<number>(this.#bucketOf(shape.maxValue) + 1).fill(0);
  }

  /** Adds a sample of `value` taken at `atMs` (event time) with `weight` (1 for one sample). */
  add(value: number, atMs: number, weight = 1): void {
    if (!Number.isFinite(value) || !(weight > 0)) return;
    this.#refMs ??= atMs;
    let exponent = (atMs - this.#refMs) / this.shape.halfLifeMs;
    if (exponent > MAX_EXPONENT) {
      this.#rescale(2 ** -exponent);
      this.#refMs = atMs;
      exponent = 0;
    }
    const w = weight * 2 ** exponent;
    this.#weights[this.#bucketOf(Math.max(0, value))]! += w;
    this.#total += w;
  }

  /** True when no sample was added. */
  get empty(): boolean {
    return this.#total === 0;
  }

  /** The value below which a share `p` (0-1) of the decayed weight lies; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.#total === 0) return undefined;
    const goal = Math.min(1, Math.max(0, p)) * this.#total;
    let sum = 0;
    for (let i = 0; i < this.#weights.length; i++) {
      sum += this.#weights[i]!;
      if (sum >= goal && this.#weights[i]! > 0) return this.#bucketStart(i + 1);
    }
    return this.#bucketStart(this.#weights.length);
  }

  /** Share (0-1) of the decayed weight in buckets that start at or above `value`. */
  shareAbove(value: number): number {
    if (this.#total === 0) return 0;
    let above = 0;
    for (let i = this.#bucketOf(value) + 1; i < this.#weights.length; i++) above += this.#weights[i]!;
    return above / this.#total;
  }

  #rescale(factor: number): void {
    for (let i = 0; i < this.#weights.length; i++) this.#weights[i]! *= factor;
    this.#total *= factor;
  }

  #bucketOf(value: number): number {
    const { firstBucketSize: first, ratio, maxValue } = this.shape;
    const v = Math.min(value, maxValue);
    if (v < first) return 0;
    return Math.floor(Math.log((v * (ratio - 1)) / first + 1) / Math.log(ratio));
  }

  #bucketStart(i: number): number {
    const { firstBucketSize: first, ratio } = this.shape;
    return (first * (ratio ** i - 1)) / (ratio - 1);
  }
}

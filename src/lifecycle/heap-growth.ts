import v8 from 'node:v8';

/**
 * Bounds how far V8 lets the old generation grow past what survived the last full collection
 * before it runs the next one (`--heap-growing-percent`; 0 leaves V8's own factor, which reaches
 * 4x on a machine with a large heap limit). Under load the engine promotes what its messages hold
 * while they wait for their commit, and that garbage, not live data, set its peak RSS: 428-444 MB
 * over 4 M samples with V8's factor, 287-293 MB at 30%, for about a fifth more CPU per sample
 * (docs/benchmarks.md#heap-growth-2026-12-07). V8 reads the flag whenever it sets the next limit,
 * so setting it once the process runs takes effect.
 *
 * Process-wide: called by `perf-engine start`, the process's owner, never by the engine class that
 * tests create many of in one process.
 */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth must be a whole number of percent, not ${percent}`);
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

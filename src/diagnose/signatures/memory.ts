import { evidenceMap, loadRise, riseOf, round, unit, type Finding } from '../finding.js';
import { SIGNATURE_LIMITS as L } from '../signature-limits.js';
import type { SourceView } from '../source-view.js';
import { fitLine, type LineFit } from '../stats.js';

/** The growing stretch of a memory series: from its last normal frame to now, and its line. */
interface Growth {
  readonly fit: LineFit;
  readonly from: number;
  readonly frames: number;
  readonly steady: boolean;
}

/** Fits the stretch since the series was last within a few spreads of its reference (the whole window if never). */
function growthOf(v: SourceView, metric: string): Growth | null {
  const { ts, values } = v.series(metric);
  const ref = v.ref(metric);
  const spread = v.spread(metric);
  let start = 0;
  if (Number.isFinite(ref)) {
    const normal = ref + 3 * (Number.isFinite(spread) ? spread : 0);
    for (let i = values.length - 1; i >= 0; i--) {
      if (values[i]! <= normal) {
        start = i;
        break;
      }
    }
  }
  const t = ts.slice(start);
  const x = values.slice(start);
  const fit = fitLine(t, x);
  if (fit === null || x.length < L.leakFrames) return null;
  const half = Math.floor(x.length / 2);
  const late = fitLine(t.slice(half), x.slice(half));
  const steady = late !== null && late.slopePerSecond >= L.leakSteadiness * fit.slopePerSecond;
  const onset = growthStart(ts, values, start, fit, ref);
  return { fit, from: ts[onset]!, frames: values.length - onset, steady };
}

/**
 * Where the growth began, as a frame index: it began before the series left the band of normal
 * values at `start`, so that a leak is held from its start rather than from when it outgrew three
 * spreads. The earlier of two estimates: where the rise that crossed the band began (back while
 * every earlier frame is lower, which a GC drop or noise ends), and where the fitted line crosses
 * the reference, though never before the last frame at or below the reference.
 */
function growthStart(ts: readonly number[], values: readonly number[], start: number, fit: LineFit, ref: number): number {
  let rise = start;
  while (rise > 0 && values[rise - 1]! < values[rise]!) rise--;
  if (!Number.isFinite(ref) || !(fit.slopePerSecond > 0)) return rise;
  const crossing = ts[ts.length - 1]! - (1000 * (fit.last - ref)) / fit.slopePerSecond;
  let line = start;
  while (line > 0 && ts[line - 1]! >= crossing && values[line - 1]! > ref) line--;
  return Math.min(rise, line);
}

/** Seconds until the resident set reaches the memory limit, when the limit is known (memory_usage is RSS over it). */
/** Time to exhaustion beyond which none is given. */
const MAX_ETA_SECONDS = 30 * 86_400;

function timeToLimit(v: SourceView): number {
  const usage = v.cur('memory_usage');
  const rss = v.cur('memory_rss_bytes');
  if (!(usage > 0) || !(rss > 0)) return Number.NaN;
  const limit = rss / (usage / 100);
  const rssSeries = v.series('memory_rss_bytes', L.leakFrames * 3);
  const fit = fitLine(rssSeries.ts, rssSeries.values);
  if (fit === null || !(fit.slopePerSecond > 0)) return Number.NaN;
  const eta = Math.max(0, (limit - rss) / fit.slopePerSecond);
  // Beyond a month the estimate says nothing (and a near-flat slope would give a date past any calendar).
  return eta <= MAX_ETA_SECONDS ? eta : Number.NaN;
}

/**
 * `memory_leak`: heap_used (or RSS when the source has no heap figure) grows steadily: a good line
 * fit from its last normal value, still growing in the later half (a step is not a leak), by a
 * large share of its reference. Growth that load matches (more requests, more live objects) is
 * not a leak. The onset is dated back to the start of the growth; time to exhaustion is given when the
 * limit is known.
 */
export function memoryLeak(v: SourceView): Finding | null {
  const used = Number.isFinite(v.cur('heap_used_bytes')) ? 'heap_used_bytes' : 'memory_rss_bytes';
  return leakOf(v, used) ?? (used === 'heap_used_bytes' ? leakOf(v, 'heap_total_bytes') : null);
}

function leakOf(v: SourceView, metric: string): Finding | null {
  const ref = v.ref(metric);
  if (!Number.isFinite(v.cur(metric)) || !(ref > 0) || v.refSamples(metric) < L.leakRefSamples) return null;
  const spread = v.spread(metric);
  // The committed heap has no GC sawtooth to outgrow: half the share is enough there.
  const share = metric === 'heap_total_bytes' ? L.leakTotalGrowth : L.leakGrowth;
  const needed = Math.max(share * ref, L.leakSpreads * (Number.isFinite(spread) ? spread : 0));
  // Most frames are nowhere near: skip the fit unless memory is at least half-way there.
  if (v.median(metric, 3) - ref < needed / 2) return null;
  const g = growthOf(v, metric);
  if (g === null || !(g.fit.slopePerSecond > 0) || g.fit.r2 < L.leakFit || !g.steady) return null;
  const growth = g.fit.last - ref;
  if (growth < needed) return null;
  // More load, more live objects: growth that load (or, without a load figure, CPU) matches is not a leak.
  // CPU alone explains only a modest growth, since a leak's own allocations raise CPU too.
  const load = loadRise(v);
  const cpuRise = riseOf(v, 'cpu_usage', 3, 0.5);
  const growthRatio = g.fit.last / ref;
  if (Number.isFinite(load) ? load >= 1.3 && load >= 0.7 * growthRatio : cpuRise >= 1.5 && cpuRise >= growthRatio && growthRatio < 1.5) return null;
  const eta = timeToLimit(v);
  const facts: Record<string, number | string> = {
    growth_bytes_per_second: round(g.fit.slopePerSecond),
    growth_pct: round((100 * growth) / ref),
    trend_fit: round(g.fit.r2),
    growing_for_seconds: round(g.fit.spanSeconds),
  };
  if (Number.isFinite(eta)) {
    facts.time_to_exhaustion_seconds = round(eta);
    facts.exhaustion_at = new Date(v.timestamp + eta * 1000).toISOString();
  }
  const confidence = 0.6 + 0.25 * unit((g.fit.r2 - L.leakFit) / (1 - L.leakFit)) + 0.15 * unit(growth / ref - share);
  const metrics = evidenceMap(v, [metric, 'memory_rss_bytes', 'heap_total_bytes', 'memory_usage', 'gc_pause_ms', 'cpu_usage']);
  const critical = (Number.isFinite(eta) && eta <= 3600) || v.cur('memory_usage') >= L.memoryPct;
  return { kind: 'memory_leak', metric, confidence, severity: critical ? 'critical' : 'warning', metrics, facts, onset: { at: g.from, frames: g.frames } };
}

/**
 * `memory_pressure`: memory near its limit and newly so (memory_usage or the cgroup's usage at or
 * above 90% of the limit, a rise over the reference), or the host short of memory: PSI memory
 * pressure, or little memory still available.
 */
export function memoryPressure(v: SourceView): Finding | null {
  const near = (metric: string) => {
    const x = v.cur(metric);
    return x >= L.memoryPct && !(x - v.ref(metric) < L.memoryRisePct) ? x : Number.NaN;
  };
  const usage = near('memory_usage');
  const cgroup = near('cgroup_memory_usage');
  const psi = v.cur('pressure_memory_some_pct');
  const stalls = psi >= L.memoryPressurePct && !(v.ref('pressure_memory_some_pct') > L.memoryPressurePct / 2);
  const available = v.cur('memory_available_bytes') / v.cur('memory_total_bytes');
  const availableRef = v.ref('memory_available_bytes') / v.cur('memory_total_bytes');
  const short = available <= L.availableShare && !(availableRef <= 2 * L.availableShare);
  if (!Number.isFinite(usage) && !Number.isFinite(cgroup) && !stalls && !short) return null;
  const main = Number.isFinite(usage) ? 'memory_usage' : Number.isFinite(cgroup) ? 'cgroup_memory_usage' : stalls ? 'pressure_memory_some_pct' : 'memory_available_bytes';
  const level = Math.max(Number.isFinite(usage) ? usage : 0, Number.isFinite(cgroup) ? cgroup : 0);
  const confidence = 0.6 + 0.2 * unit((level - L.memoryPct) / (100 - L.memoryPct)) + (stalls ? 0.2 : 0);
  const critical = level >= 97 || v.cur('pressure_memory_full_pct') >= 5 || available <= 0.02;
  const metrics = evidenceMap(v, [main, 'memory_rss_bytes', 'heap_used_bytes', 'memory_available_bytes', 'swap_used_bytes', 'pressure_memory_some_pct', 'gc_pause_ms']);
  const facts: Record<string, number | string> = {};
  if (Number.isFinite(available)) facts.available_share = round(available);
  return { kind: 'memory_pressure', metric: main, confidence, severity: critical ? 'critical' : 'warning', metrics, facts };
}

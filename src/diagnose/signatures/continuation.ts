import type { BottleneckKind } from '../../model/bottleneck.js';
import { SIGNATURE_LIMITS as L } from '../signature-limits.js';
import type { SourceView } from '../source-view.js';
import { fitLine } from '../stats.js';

/** Median of the latest three frames over the reference, NaN when either is unknown. */
const rise = (v: SourceView, metric: string, floor: number) => v.median(metric, 3) / Math.max(v.ref(metric), floor);

/**
 * Whether an open bottleneck of a kind still shows at a frame where its full signature does not:
 * a lower bar (hysteresis), so a bottleneck that wavers around its signature's levels stays one
 * episode instead of resolving and opening again. A leak lasts while memory stays well above its
 * reference and keeps growing (it ends when growth stops, or memory comes back: a restart, a fix).
 */
export const CONTINUES: Readonly<Record<BottleneckKind, (v: SourceView) => boolean>> = {
  cpu_saturation: (v) => v.median('event_loop_utilization', 3) >= L.eluBusy - 0.05 || v.median('cpu_usage', 3) >= L.cpuSaturatedPct - 5,
  memory_pressure: (v) => v.median('memory_usage', 3) >= L.memoryPct - 2 || v.median('cgroup_memory_usage', 3) >= L.memoryPct - 2 || v.median('pressure_memory_some_pct', 3) >= L.memoryPressurePct / 2,
  memory_leak: (v) => {
    const metric = Number.isFinite(v.cur('heap_used_bytes')) ? 'heap_used_bytes' : 'memory_rss_bytes';
    const ref = v.ref(metric);
    if (!(v.median(metric, 3) - ref >= (L.leakGrowth / 2) * ref)) return false;
    // Still growing by a good part of what opened it, over a few GC cycles (a drop of the sawtooth
    // is not the end of the growth; the creep of a heap left full after the leak stopped is).
    const recent = v.series(metric, 6 * L.leakFrames);
    const fit = fitLine(recent.ts, recent.values);
    const needed = Math.max(L.leakGrowth * ref, L.leakSpreads * (v.spread(metric) || 0));
    return fit !== null && fit.slopePerSecond * fit.spanSeconds >= needed / 4;
  },
  disk_io_saturation: (v) =>
    v.median('disk_util', 3) >= L.diskUtilPct - 10 ||
    v.median('pressure_io_some_pct', 3) >= L.ioPressurePct / 2 ||
    rise(v, 'disk_write_bytes_per_sec', L.diskRefFloor) + rise(v, 'disk_read_bytes_per_sec', L.diskRefFloor) >= L.processDiskRatio / 2,
  network_saturation: (v) => Math.max(rise(v, 'network_tx_bytes_per_sec', L.networkRefFloor), rise(v, 'network_rx_bytes_per_sec', L.networkRefFloor)) >= L.networkRatio / 2,
  event_loop_blocked: (v) => v.median('event_loop_delay_p99_ms', 3) >= L.loopDelayMs / 2,
  gc_pressure: (v) => v.intervalMs > 0 && v.median('gc_pause_ms', 3) / v.intervalMs >= (L.gcShare * 2) / 3,
  slow_db_query: (v) => rise(v, 'db_query_p95_ms', 0.1) >= L.dbRatio * 0.7,
  latency_regression: (v) => rise(v, 'handler_latency_p95_ms', 0.1) >= 1 + (L.latencyRatio - 1) * 0.6,
  anomaly: () => false,
};

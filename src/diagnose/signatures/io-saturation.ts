import { evidenceMap, loadRise, riseOf, round, unit, type Finding } from '../finding.js';
import { SIGNATURE_LIMITS as L } from '../signature-limits.js';
import type { SourceView } from '../source-view.js';
import { ratio } from '../stats.js';

/** True when `metric` is at least `level` now and its reference is well below it (newly high). */
function newlyAbove(v: SourceView, metric: string, level: number, refBelow: number): boolean {
  return v.cur(metric) >= level && !(v.ref(metric) > refBelow);
}

/**
 * `disk_io_saturation`: on a host, the busiest disk near 100% busy, I/O pressure (PSI) or iowait,
 * all newly so; on a process or agent, the bytes it reads and writes far above its baseline and
 * above an absolute floor (its own device figures are not known). Latency rising with it raises the
 * confidence.
 */
export function diskIoSaturation(v: SourceView): Finding | null {
  const util = newlyAbove(v, 'disk_util', L.diskUtilPct, L.diskUtilPct - 20);
  const pressure = newlyAbove(v, 'pressure_io_some_pct', L.ioPressurePct, L.ioPressurePct / 4);
  const iowait = newlyAbove(v, 'cpu_iowait_pct', L.iowaitPct, L.iowaitPct / 4);
  const bytes = (v.cur('disk_write_bytes_per_sec') || 0) + (v.cur('disk_read_bytes_per_sec') || 0);
  const refBytes = (v.ref('disk_write_bytes_per_sec') || 0) + (v.ref('disk_read_bytes_per_sec') || 0);
  const known = Number.isFinite(v.ref('disk_write_bytes_per_sec')) || Number.isFinite(v.ref('disk_read_bytes_per_sec'));
  const rise = ratio(bytes, refBytes, L.diskRefFloor);
  const heavy = v.scope !== 'host' && known && bytes >= L.processDiskBytes && rise >= L.processDiskRatio;
  if (!util && !pressure && !iowait && !heavy) return null;
  const latencyRise = riseOf(v, 'handler_latency_p95_ms', 3, 0.1);
  const confidence = 0.6 + (latencyRise >= L.latencyEffect ? 0.2 : 0) + 0.2 * (heavy ? unit(Math.log10(rise / L.processDiskRatio)) : unit((v.cur('disk_util') - L.diskUtilPct) / 10));
  const main = heavy ? (v.cur('disk_write_bytes_per_sec') >= v.cur('disk_read_bytes_per_sec') || !Number.isFinite(v.cur('disk_read_bytes_per_sec')) ? 'disk_write_bytes_per_sec' : 'disk_read_bytes_per_sec') : util ? 'disk_util' : pressure ? 'pressure_io_some_pct' : 'cpu_iowait_pct';
  const latencyUp = v.median('handler_latency_p95_ms', 3) - v.ref('handler_latency_p95_ms');
  const critical = v.cur('disk_util') >= 98 || v.cur('pressure_io_full_pct') >= 10 || (latencyRise >= 3 && latencyUp >= 20);
  const metrics = evidenceMap(v, [main, 'disk_write_bytes_per_sec', 'disk_read_bytes_per_sec', 'disk_util', 'pressure_io_some_pct', 'cpu_iowait_pct', 'handler_latency_p95_ms']);
  const facts: Record<string, number | string> = {};
  if (heavy) facts.io_bytes_ratio = round(rise);
  return { kind: 'disk_io_saturation', metric: main, confidence, severity: critical ? 'critical' : 'warning', metrics, facts };
}

/**
 * `network_saturation`: received or sent bytes per second several times the reference and above
 * an absolute floor, rising much more than the load does (requests, or CPU without a request
 * rate: a load increase raises both together), with latency rising as the link or buffers fill.
 */
export function networkSaturation(v: SourceView): Finding | null {
  const side = (metric: string) => ({ metric, value: v.cur(metric), rise: ratio(v.cur(metric), v.ref(metric), L.networkRefFloor) });
  const rx = side('network_rx_bytes_per_sec');
  const tx = side('network_tx_bytes_per_sec');
  const top = (tx.rise || 0) >= (rx.rise || 0) ? tx : rx;
  if (!(top.value >= L.networkBytes) || !(top.rise >= L.networkRatio)) return null;
  const load = top.metric === 'network_rx_bytes_per_sec' ? riseOf(v, 'handler_calls_per_sec', 3, 0.1) : loadRise(v);
  const work = Number.isFinite(load) ? load : riseOf(v, 'cpu_usage', 3, 0.5);
  if (top.rise < L.networkOverLoad * Math.max(1, Number.isFinite(work) ? work : 1)) return null;
  const latencyRise = riseOf(v, 'handler_latency_p95_ms', 3, 0.1);
  const confidence = 0.55 + (latencyRise >= L.latencyEffect ? 0.25 : 0) + 0.2 * unit(Math.log10(top.rise / L.networkRatio));
  const metrics = evidenceMap(v, [top.metric, 'network_rx_bytes_per_sec', 'network_tx_bytes_per_sec', 'handler_latency_p95_ms', 'cpu_usage']);
  const critical = latencyRise >= 3 || top.rise >= 20;
  return { kind: 'network_saturation', metric: top.metric, confidence, severity: critical ? 'critical' : 'warning', metrics, facts: { network_ratio: round(top.rise) } };
}

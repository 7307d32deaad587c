import { evidenceMap, riseOf, round, unit, type Finding } from '../finding.js';
import { SIGNATURE_LIMITS as L } from '../signature-limits.js';
import type { SourceView } from '../source-view.js';

const CORRELATED = ['handler_latency_p95_ms', 'queue_depth', 'event_loop_delay_p99_ms', 'load_1m', 'pressure_cpu_some_pct', 'cgroup_cpu_throttled_pct'];

/**
 * `cpu_saturation`, USE-style: utilisation at capacity that is new for the source. A Node.js agent
 * saturates its one JavaScript thread long before `cpu_usage` (a share of all cores) looks high, so
 * for agents the test is event-loop utilisation near 1 (or above 0.8 with work queueing: latency,
 * queue depth or loop delay up) and well above its reference; for hosts and
 * other processes it is `cpu_usage` near 100% of all cores, a cgroup throttling the process, or
 * host CPU pressure. Latency and queue growth (saturation) raise the confidence.
 */
export function cpuSaturation(v: SourceView): Finding | null {
  const elu = v.cur('event_loop_utilization');
  const eluRef = v.ref('event_loop_utilization');
  const latencyRise = riseOf(v, 'handler_latency_p95_ms', 3, 0.1);
  const queueRise = riseOf(v, 'queue_depth', 3, 0.5);
  const delayRise = riseOf(v, 'event_loop_delay_p99_ms', 3, 1);
  const saturationSign = latencyRise >= L.latencyRatio || queueRise >= 2 || delayRise >= L.loopDelayRatio;
  const loopSaturated = (elu >= L.eluSaturated || (elu >= L.eluBusy && saturationSign)) && !(elu - eluRef < L.eluRise);
  const cpu = v.cur('cpu_usage');
  const cpuRef = v.ref('cpu_usage');
  const coresSaturated = cpu >= L.cpuSaturatedPct && !(cpuRef > L.cpuSaturatedPct - L.cpuRisePct);
  const throttled = v.cur('cgroup_cpu_throttled_pct');
  const throttling = throttled >= L.throttledPct && !(v.ref('cgroup_cpu_throttled_pct') > L.throttledPct / 4);
  const pressure = v.scope === 'host' && v.cur('pressure_cpu_some_pct') >= L.cpuPressurePct && !(v.ref('pressure_cpu_some_pct') > L.cpuPressurePct / 3);
  if (!loopSaturated && !coresSaturated && !throttling && !pressure) return null;

  const depth = loopSaturated ? unit((elu - L.eluBusy) / (1 - L.eluBusy)) : unit((cpu - L.cpuSaturatedPct) / (100 - L.cpuSaturatedPct));
  const confidence = 0.6 + (saturationSign ? 0.2 : 0) + 0.2 * depth;
  const full = (loopSaturated && elu >= 0.97) || cpu >= 98 || throttled >= 50;
  const severe = full && (latencyRise >= 3 || queueRise >= 5);
  const main = loopSaturated ? 'event_loop_utilization' : coresSaturated ? 'cpu_usage' : throttling ? 'cgroup_cpu_throttled_pct' : 'pressure_cpu_some_pct';
  const metrics = evidenceMap(v, [main, 'cpu_usage', 'event_loop_utilization', ...CORRELATED]);
  const facts: Record<string, number | string> = { saturated: loopSaturated ? 'event_loop' : coresSaturated ? 'all_cores' : throttling ? 'cgroup_limit' : 'host_pressure' };
  const cpuRise = riseOf(v, 'cpu_usage', 3, 0.5);
  if (Number.isFinite(cpuRise)) facts.cpu_ratio = round(cpuRise);
  return { kind: 'cpu_saturation', metric: main, confidence, severity: severe ? 'critical' : 'warning', metrics, facts };
}

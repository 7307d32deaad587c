import { type MetricSink, put, ratePerSec } from './counter.js';
import type { NetDevStat } from './proc/parse-net-dev.js';
import { toValidName } from '../model/metric-names.js';

/** Counters reported per interface: metric stem -> counter. */
const NET_RATES = [
  ['network_rx_bytes_per_sec', 'rxBytes'],
  ['network_tx_bytes_per_sec', 'txBytes'],
  ['network_rx_packets_per_sec', 'rxPackets'],
  ['network_tx_packets_per_sec', 'txPackets'],
  ['network_rx_errors_per_sec', 'rxErrors'],
  ['network_tx_errors_per_sec', 'txErrors'],
  ['network_rx_drops_per_sec', 'rxDrops'],
  ['network_tx_drops_per_sec', 'txDrops'],
] as const satisfies readonly (readonly [string, keyof NetDevStat])[];

/**
 * Per-interface rates (`network_*_per_sec.<if>`) for every interface but `lo`, and the byte rates
 * summed over them. Interfaces without a previous reading report nothing yet.
 */
export function netMetrics(
  out: MetricSink,
  prev: ReadonlyMap<string, NetDevStat>,
  cur: readonly NetDevStat[],
  elapsedMs: number,
): void {
  let rxSum: number | undefined;
  let txSum: number | undefined;
  for (const stat of cur) {
    if (stat.name === 'lo') continue;
    const p = prev.get(stat.name);
    if (p === undefined) continue;
    const dev = toValidName(stat.name);
    for (const [stem, key] of NET_RATES) put(out, `${stem}.${dev}`, ratePerSec(p[key], stat[key], elapsedMs));
    const rx = ratePerSec(p.rxBytes, stat.rxBytes, elapsedMs);
    const tx = ratePerSec(p.txBytes, stat.txBytes, elapsedMs);
    if (rx !== undefined) rxSum = (rxSum ?? 0) + rx;
    if (tx !== undefined) txSum = (txSum ?? 0) + tx;
  }
  put(out, 'network_rx_bytes_per_sec', rxSum);
  put(out, 'network_tx_bytes_per_sec', txSum);
}

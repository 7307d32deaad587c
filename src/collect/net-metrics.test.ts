import { describe, expect, it } from 'vitest';
import { netMetrics } from './net-metrics.js';
import type { NetDevStat } from './proc/parse-net-dev.js';

const zero = { rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDrops: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDrops: 0 };
const dev = (name: string, c: Partial<NetDevStat> = {}): NetDevStat => ({ ...zero, name, ...c });

describe('netMetrics', () => {
  it('gives per-interface rates and byte sums, skipping lo', () => {
    const prev = new Map([
      ['lo', dev('lo')],
      ['eth0', dev('eth0', { rxBytes: 1000, txBytes: 500, rxPackets: 10, rxDrops: 1 })],
      ['eth1', dev('eth1')],
    ]);
    const cur = [
      dev('lo', { rxBytes: 9999 }),
      dev('eth0', { rxBytes: 3000, txBytes: 1500, rxPackets: 30, rxDrops: 3, txErrors: 2 }),
      dev('eth1', { rxBytes: 400 }),
    ];
    const out: Record<string, number> = {};
    netMetrics(out, prev, cur, 2000);
    expect(out['network_rx_bytes_per_sec.eth0']).toBe(1000);
    expect(out['network_tx_bytes_per_sec.eth0']).toBe(500);
    expect(out['network_rx_packets_per_sec.eth0']).toBe(10);
    expect(out['network_rx_drops_per_sec.eth0']).toBe(1);
    expect(out['network_tx_errors_per_sec.eth0']).toBe(1);
    expect(out['network_rx_bytes_per_sec.lo']).toBeUndefined();
    expect(out.network_rx_bytes_per_sec).toBe(1200);
    expect(out.network_tx_bytes_per_sec).toBe(500);
    expect(Object.keys(out)).toHaveLength(18);
  });

  it('makes interface names valid metric names', () => {
    const out: Record<string, number> = {};
    netMetrics(out, new Map([['wlp0s20f3@x', dev('wlp0s20f3@x')]]), [dev('wlp0s20f3@x', { rxBytes: 10 })], 1000);
    expect(out['network_rx_bytes_per_sec.wlp0s20f3_x']).toBe(10);
  });

  it('skips a counter that went backwards and reports nothing for a new interface', () => {
    const out: Record<string, number> = {};
    netMetrics(out, new Map([['eth0', dev('eth0', { rxBytes: 5000 })]]), [dev('eth0', { rxBytes: 10 }), dev('veth1', { rxBytes: 10 })], 1000);
    expect(out['network_rx_bytes_per_sec.eth0']).toBeUndefined();
    expect(out['network_tx_bytes_per_sec.eth0']).toBe(0);
    expect(out.network_rx_bytes_per_sec).toBeUndefined();
    expect(out['network_rx_bytes_per_sec.veth1']).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { prometheusForm, prometheusLabelName } from './prometheus-names.js';

describe('prometheusForm', () => {
  it('moves the device after the first dot into a label, dots of the device included', () => {
    expect(prometheusForm('network_rx_bytes_per_sec.eth0')).toEqual({ name: 'network_rx_bytes_per_second', device: 'eth0', scale: 1 });
    expect(prometheusForm('network_tx_bytes_per_sec.eth0.100')).toEqual({ name: 'network_tx_bytes_per_second', device: 'eth0.100', scale: 1 });
    expect(prometheusForm('disk_util.nvme0n1')).toEqual({ name: 'disk_util', device: 'nvme0n1', scale: 1 });
  });

  it('writes rates per second and turns abbreviated units into base units with their factor', () => {
    expect(prometheusForm('disk_await_ms.sda')).toEqual({ name: 'disk_await_seconds', device: 'sda', scale: 1e-3 });
    expect(prometheusForm('event_loop_delay_p99_ms')).toEqual({ name: 'event_loop_delay_p99_seconds', device: null, scale: 1e-3 });
    expect(prometheusForm('cpu_time_us')).toMatchObject({ name: 'cpu_time_seconds', scale: 1e-6 });
    expect(prometheusForm('heap_kb')).toMatchObject({ name: 'heap_bytes', scale: 1024 });
    expect(prometheusForm('context_switches_per_sec')).toMatchObject({ name: 'context_switches_per_second', scale: 1 });
  });

  it('keeps names that already follow the conventions, and those whose tokens only look like units', () => {
    for (const n of ['cpu_usage', 'memory_rss_bytes', 'load_1m', 'procs_running', 'cgroup_cpu_limit_cores', 'threads']) {
      expect(prometheusForm(n)).toEqual({ name: n, device: null, scale: 1 });
    }
  });

  it('replaces characters a Prometheus name cannot hold and never starts with a digit', () => {
    expect(prometheusForm('orders:latency-p95').name).toBe('orders_latency_p95');
    expect(prometheusForm('5xx_rate').name).toBe('_5xx_rate');
  });
});

describe('prometheusLabelName', () => {
  it('gives a valid label name that is not reserved', () => {
    expect(prometheusLabelName('pid')).toBe('pid');
    expect(prometheusLabelName('__name__')).toBe('name__');
    expect(prometheusLabelName('app.kubernetes/io')).toBe('app_kubernetes_io');
    expect(prometheusLabelName('9lives')).toBe('l_9lives');
  });
});

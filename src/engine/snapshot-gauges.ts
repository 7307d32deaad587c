import { Gauge, Registry } from 'prom-client';
import type { MetricSnapshot } from '../model/snapshot.js';
import { prometheusForm, prometheusLabelName } from '../model/prometheus-names.js';

/** Snapshot labels not turned into Prometheus labels: the command line is long and the source names it already. */
const SKIPPED_LABELS = new Set(['cmd']);
/** Labels the exposition sets itself; a snapshot label of the same name is left out. */
const OWN_LABELS = new Set(['source', 'device']);

interface Family {
  /** The collected name without device, as docs/metrics.md lists it. */
  readonly collected: string;
  readonly kind: 'host' | 'process';
  /** The base unit a collected unit was converted to, or null. */
  readonly converted: string | null;
  readonly labelNames: Set<string>;
  readonly values: [Record<string, string>, number][];
}

/** Whether a snapshot is a watched process's (the process collector labels it with a role) rather than the host's. */
function isProcess(s: MetricSnapshot): boolean {
  return s.labels?.role !== undefined;
}

function labelsOf(s: MetricSnapshot, device: string | null): Record<string, string> {
  const labels: Record<string, string> = { source: s.source };
  if (isProcess(s)) {
    for (const [k, v] of Object.entries(s.labels ?? {})) {
      const name = prometheusLabelName(k);
      if (!SKIPPED_LABELS.has(k) && !OWN_LABELS.has(name) && v !== '') labels[name] = v;
    }
  }
  if (device !== null) labels.device = device;
  return labels;
}

/** Groups the latest values into Prometheus families: `perf_host_<name>` and `perf_process_<name>`, devices as labels. */
export function snapshotFamilies(snapshots: readonly MetricSnapshot[]): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const s of snapshots) {
    const kind = isProcess(s) ? 'process' : 'host';
    for (const [metric, value] of Object.entries(s.metrics)) {
      const form = prometheusForm(metric);
      const name = `perf_${kind}_${form.name}`;
      let family = families.get(name);
      if (!family) {
        const converted = form.scale !== 1 ? form.name.slice(form.name.lastIndexOf('_') + 1) : null;
        family = { collected: metric.split('.')[0]!, kind, converted, labelNames: new Set(), values: [] };
        families.set(name, family);
      }
      const labels = labelsOf(s, form.device);
      for (const l of Object.keys(labels)) family.labelNames.add(l);
      family.values.push([labels, value * form.scale]);
    }
  }
  return families;
}

/** `Latest collected disk_await_ms of the host, converted to seconds, per device (docs/metrics.md).` */
function helpOf(f: Family): string {
  const unit = f.converted === null ? '' : `, converted to ${f.converted}`;
  const device = f.labelNames.has('device') ? ', per device where the device label is set' : '';
  return `Latest collected ${f.collected} of the ${f.kind === 'host' ? 'host' : 'watched processes'}${unit}${device} (docs/metrics.md).`;
}

/**
 * A registry holding the latest collected gauges of the host and the watched processes, built
 * at scrape time from the last tick's snapshots: a device or process gone since is gone from
 * the exposition too.
 */
export function snapshotRegistry(snapshots: readonly MetricSnapshot[]): Registry {
  const registry = new Registry();
  for (const [name, family] of snapshotFamilies(snapshots)) {
    const gauge = new Gauge({ name, help: helpOf(family), labelNames: [...family.labelNames], registers: [registry] });
    for (const [labels, value] of family.values) gauge.set(labels, value);
  }
  return registry;
}

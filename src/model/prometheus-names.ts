/**
 * How a collected metric name (`disk_await_ms.sda`) is shown to Prometheus: a name in Prometheus
 * form, the per-device part as a `device` label, and a factor that turns the value into the
 * name's base unit (docs/metrics.md, "Prometheus names").
 */
export interface PrometheusForm {
  /** The name without prefix: lower_snake_case, base units, no abbreviated unit (`disk_await_seconds`). */
  readonly name: string;
  /** The device or interface after the first `.`, or null for a name without one. */
  readonly device: string | null;
  /** Multiplies the collected value into the unit the name states (0.001 for `_ms` to `_seconds`). */
  readonly scale: number;
}

/** Abbreviated units Prometheus names avoid (promtool's list), with the base unit and factor replacing each. */
const UNITS: Readonly<Record<string, readonly [string, number]>> = {
  ns: ['seconds', 1e-9],
  us: ['seconds', 1e-6],
  ms: ['seconds', 1e-3],
  s: ['seconds', 1],
  sec: ['seconds', 1],
  kb: ['bytes', 1024],
  mb: ['bytes', 1024 ** 2],
  gb: ['bytes', 1024 ** 3],
};

/**
 * The Prometheus form of a collected metric name. Names of the platform put the device after the
 * first `.` and may abbreviate units (`_per_sec`, `_ms`): the device becomes a label, `per_sec`
 * becomes `per_second`, and a time or size unit becomes its base unit with the value scaled.
 * Characters Prometheus does not allow in a name become `_`.
 */
export function prometheusForm(metric: string): PrometheusForm {
  const dot = metric.indexOf('.');
  const base = dot < 0 ? metric : metric.slice(0, dot);
  const device = dot < 0 ? null : metric.slice(dot + 1);
  const tokens = base.toLowerCase().replace(/[^a-z0-9_]/g, '_').split('_');
  let scale = 1;
  const out: string[] = [];
  for (const t of tokens) {
    const unit = UNITS[t];
    if (unit && out[out.length - 1] === 'per' && (t === 's' || t === 'sec')) out.push('second');
    else if (unit && scale === 1) {
      out.push(unit[0]);
      scale = unit[1];
    } else out.push(t);
  }
  let name = out.filter((t) => t !== '').join('_');
  if (!/^[a-z_]/.test(name)) name = `_${name}`;
  return { name, device, scale };
}

/** A label name Prometheus accepts, from any text: `[a-zA-Z_][a-zA-Z0-9_]*`, never starting with `__` (reserved). */
export function prometheusLabelName(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^_+/, '');
  return /^[a-zA-Z_]/.test(cleaned) ? cleaned : `l_${cleaned}`;
}

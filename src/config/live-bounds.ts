import type { Config, ConfigKey } from './schema.js';
import type { ConfigProblem } from './validate.js';
import { CARDINALITY_CEILING_KEYS } from './cardinality-schema.js';

/** Log levels from the most verbose to silent. */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * Protections a live update may never weaken below what the local configuration (defaults, file,
 * environment) set, whoever can publish on the bus: retention is not cut below a local floor,
 * detection and diagnosis are not switched off unless the local configuration allows it, and the
 * log is not made quieter than the local level, and the cardinality limits of ingest are not
 * raised above their local values. Keys that decide who may be profiled or what
 * may be applied are not live keys at all (see LIVE_KEYS).
 */
export function liveBoundProblems(local: Config, update: Readonly<Partial<Record<ConfigKey, unknown>>>, origin: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const floor = local.live_min_retention_days ?? local.data_retention_days;
  const retention = update.data_retention_days;
  if (typeof retention === 'number' && retention < floor) {
    problems.push({ key: 'data_retention_days', value: retention, origin, allowed: `at least ${floor} days from a live update (live_min_retention_days, set locally)` });
  }
  if (!local.live_may_disable_analysis) {
    for (const key of ['detect_enabled', 'diagnose_enabled'] as const) {
      if (update[key] === false && local[key]) {
        problems.push({ key, value: false, origin, allowed: 'true: switching analysis off needs the local configuration (live_may_disable_analysis)' });
      }
    }
  }
  const level = update.log_level;
  if (typeof level === 'string' && rank(level) > rank(local.log_level)) {
    problems.push({ key: 'log_level', value: level, origin, allowed: `${local.log_level} or more verbose from a live update (the local level is the quietest allowed)` });
  }
  for (const key of CARDINALITY_CEILING_KEYS) {
    const value = update[key];
    if (typeof value === 'number' && value > local[key]) {
      problems.push({ key, value, origin, allowed: `at most ${local[key]} from a live update (the local value is the ceiling)` });
    }
  }
  return problems;
}

function rank(level: string): number {
  const i = (LOG_LEVELS as readonly string[]).indexOf(level);
  return i < 0 ? LOG_LEVELS.length : i;
}

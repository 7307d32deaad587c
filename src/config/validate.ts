import { Ajv, type ErrorObject } from 'ajv';
import { Cron } from 'croner';
import type { TSchema } from '@sinclair/typebox';
import { deliveryProblems, maskReceiverPart } from './delivery-schema.js';
import { CONFIG_KEYS, ConfigSchema, keySchema, SECRET_KEYS, type Config, type ConfigKey } from './schema.js';

/** One reason a configuration value was refused. */
export interface ConfigProblem {
  /** The key, with a JSON-pointer-like path inside it for nested values (`alert_thresholds/cpu_usage/critical`). */
  readonly key: string;
  readonly value: unknown;
  /** Where the value came from (`file:/etc/x.yaml`, `env:PERF_ENGINE_HTTP_PORT`, `live`, ...). */
  readonly origin: string;
  /** What is allowed. */
  readonly allowed: string;
}

/** A configuration that failed validation; its message names every key, value and what is allowed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('; '));
  }
}

/** `key = value (from origin): allowed ...` in one line. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.key} = ${clip(shown(p.value))} (from ${p.origin}) is not allowed: ${p.allowed}`;
}

/** The value as JSON, or a phrase when it cannot be written (nested deeper than the stack allows). */
function shown(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '(a value nested too deeply to show)';
  }
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Describes in words what a schema accepts. */
export function describeAllowed(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.anyOf)) {
    return (s.anyOf as TSchema[]).map(describeAllowed).join(' or ');
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  switch (s.type) {
    case 'integer':
    case 'number': {
      const kind = s.type === 'integer' ? 'an integer' : 'a number';
      if (s.minimum !== undefined && s.maximum !== undefined) return `${kind} from ${s.minimum} to ${s.maximum}`;
      if (s.minimum !== undefined) return `${kind} >= ${s.minimum}`;
      return kind;
    }
    case 'string':
      if (typeof s.pattern === 'string') return `a string matching ${s.pattern}`;
      return 'a non-empty string';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array':
      if ((s.items as Record<string, unknown>).type === 'object') return 'a list of objects as documented in docs/configuration.md';
      return `a list of ${describeAllowed(s.items as TSchema).replace(/^an? /, '')}s`;
    case 'object':
      return 'an object as documented in docs/configuration.md';
    default:
      return 'a value as documented';
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const checkWhole = ajv.compile<Config>(ConfigSchema);

function problemFromAjv(e: ErrorObject, candidate: Record<string, unknown>, originOf: (k: string) => string): ConfigProblem {
  const path = e.instancePath.split('/').slice(1);
  if (path.length === 0 && e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty: string }).additionalProperty);
    return {
      key: extra,
      value: candidate[extra],
      origin: originOf(extra),
      allowed: `unknown key; known keys: ${CONFIG_KEYS.join(', ')}`,
    };
  }
  const key = path[0] ?? '';
  let value: unknown = candidate;
  for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
  if (key === 'delivery_receivers') value = maskReceiverPart(path, value);
  if (SECRET_KEYS.includes(key as ConfigKey) && value !== null && value !== undefined) value = '***';
  const allowed =
    path.length === 1 && (CONFIG_KEYS as string[]).includes(key)
      ? describeAllowed(keySchema(key as ConfigKey))
      : `${e.message ?? 'invalid'}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ''}`;
  return { key: path.join('/'), value, origin: originOf(key), allowed };
}

function semanticProblems(config: Config, originOf: (k: string) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of ['profiling_schedule', 'report_schedule'] as const) {
    const expression = config[key];
    if (expression === null) continue;
    try {
      new Cron(expression, { paused: true }).stop();
    } catch (err) {
      problems.push({ key, value: expression, origin: originOf(key), allowed: `a cron expression such as "0 */6 * * *" (${(err as Error).message})` });
    }
  }
  for (const key of ['watch_processes', 'profiling_allowed_processes'] as const) {
    config[key].forEach((pattern, i) => {
      try {
        new RegExp(pattern);
      } catch (err) {
        problems.push({
          key: `${key}/${i}`,
          value: pattern,
          origin: originOf(key),
          allowed: `a JavaScript regular expression (${(err as Error).message})`,
        });
      }
    });
  }
  for (const [metric, rule] of Object.entries(config.alert_thresholds)) {
    for (const r of [rule, ...(rule.overrides ?? [])]) {
      const inherits = r !== rule;
      if (!inherits && r.warning === undefined && r.critical === undefined) {
        problems.push({
          key: `alert_thresholds/${metric}`,
          value: rule,
          origin: originOf('alert_thresholds'),
          allowed: 'a rule with at least one of "warning" or "critical"',
        });
      }
    }
  }
  for (const [key, value, allowed, pair] of deliveryProblems(config)) {
    // A problem between two keys is named on the side that was set; when both or neither were, on the first.
    const set = (k: string): boolean => originOf(k) !== 'default';
    if (pair !== undefined && !set(key) && set(pair)) continue;
    if (pair !== undefined && set(key) === set(pair) && key > pair) continue;
    problems.push({ key, value, origin: originOf(key.split('/')[0]!), allowed });
  }
  return problems;
}

/**
 * Validates a complete candidate configuration. Returns the typed configuration or every problem
 * found, each naming the key, the value, its origin and what is allowed.
 */
export function validateConfig(
  candidate: Record<string, unknown>,
  originOf: (key: string) => string,
): { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] } {
  if (!checkWhole(candidate)) {
    const problems = (checkWhole.errors ?? []).map((e) => problemFromAjv(e, candidate, originOf));
    return { ok: false, problems: foldUnknownKeys(dedupe(problems)) };
  }
  const config = candidate as Config;
  const problems = semanticProblems(config, originOf);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** Unknown keys listed one by one; past these, the rest are counted in the last one's problem. */
const MAX_UNKNOWN_KEYS_LISTED = 10;

/**
 * A file with thousands of unknown keys (a wrong file, or an attack) would otherwise give one
 * problem each, every one listing the known keys: a message of tens of megabytes.
 */
function foldUnknownKeys(problems: ConfigProblem[]): ConfigProblem[] {
  const isUnknown = (p: ConfigProblem) => p.allowed.startsWith('unknown key;');
  const unknown = problems.filter(isUnknown);
  if (unknown.length <= MAX_UNKNOWN_KEYS_LISTED) return problems;
  const listed = new Set(unknown.slice(0, MAX_UNKNOWN_KEYS_LISTED));
  const last = unknown[MAX_UNKNOWN_KEYS_LISTED - 1]!;
  const more = unknown.length - MAX_UNKNOWN_KEYS_LISTED;
  return problems
    .filter((p) => !isUnknown(p) || listed.has(p))
    .map((p) => {
      if (!isUnknown(p)) return p;
      if (p !== last) return { ...p, allowed: 'unknown key' };
      return { ...p, allowed: `unknown key, and ${more} more unknown keys not listed; known keys: ${CONFIG_KEYS.join(', ')}` };
    });
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.key}|${p.allowed}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

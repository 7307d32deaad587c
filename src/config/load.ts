import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_KEYS, DEFAULTS, ENV_ALIASES, keySchema, type Config, type ConfigKey } from './schema.js';
import { ConfigError, validateConfig } from './validate.js';
import { MAX_CONFIG_NESTING, nestingBound } from './nesting.js';

/** Where each key's effective value came from. */
export type Origins = Readonly<Record<ConfigKey, string>>;

/** A validated configuration with the origin of every value. */
export interface LoadedConfig {
  readonly config: Config;
  readonly origins: Origins;
}

/** The environment variable that sets `key`. */
export function envName(key: ConfigKey): string {
  return ENV_ALIASES[key] ?? `PERF_ENGINE_${key.toUpperCase()}`;
}

/** Reads a JSON or YAML config file into a plain object (by extension; anything else tries JSON then YAML). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      { key: '--config', value: path, origin: 'command line', allowed: `a readable file (${(err as Error).message})` },
    ]);
  }
  const ext = extname(path).toLowerCase();
  const depth = nestingBound(text);
  if (depth > MAX_CONFIG_NESTING) {
    throw new ConfigError([
      { key: '--config', value: path, origin: 'command line', allowed: `a file nested at most ${MAX_CONFIG_NESTING} levels deep (brackets and indentation suggest ${depth})` },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError([
      {
        key: '--config',
        value: path,
        origin: 'command line',
        allowed: `valid ${ext === '.json' ? 'JSON' : 'YAML or JSON'} (${(err as Error).message.split('\n')[0]})`,
      },
    ]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([
      { key: '--config', value: path, origin: 'command line', allowed: 'a file holding one object of keys' },
    ]);
  }
  return parsed as Record<string, unknown>;
}

/** Converts one environment string to the type the key's schema wants; `undefined` when it cannot. */
export function parseEnvValue(key: ConfigKey, raw: string): unknown {
  const schema = keySchema(key) as Record<string, unknown>;
  const types = Array.isArray(schema.anyOf)
    ? (schema.anyOf as Record<string, unknown>[]).map((s) => s.type ?? (s.const !== undefined ? typeof s.const : ''))
    : [schema.type];
  const trimmed = raw.trim();
  if (types.includes('null') && (trimmed === '' || trimmed === 'null')) return null;
  if (types.includes('integer') || types.includes('number')) {
    return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : raw;
  }
  if (types.includes('boolean')) {
    if (/^(true|1|yes|on)$/i.test(trimmed)) return true;
    if (/^(false|0|no|off)$/i.test(trimmed)) return false;
    return raw;
  }
  if (types.includes('object') || types.includes('array')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * Merges built-in defaults, an optional config file and the environment (increasing precedence)
 * and validates the result once. Throws `ConfigError` naming every bad key, value and origin.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  // Without a prototype, a file's `__proto__` member is a key like any other (refused as unknown)
  // instead of replacing the prototype of the object being validated and vanishing from it.
  const merged: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, DEFAULTS);
  const origins: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(CONFIG_KEYS.map((k) => [k, 'default'])));
  if (opts.file) {
    const path = resolve(opts.file);
    for (const [k, v] of Object.entries(readConfigFile(path))) {
      merged[k] = v;
      origins[k] = `file:${path}`;
    }
  }
  for (const key of CONFIG_KEYS) {
    const name = envName(key);
    const raw = env[name];
    if (raw === undefined) continue;
    merged[key] = parseEnvValue(key, raw);
    origins[key] = `env:${name}`;
  }
  const result = validateConfig(merged, (k) => origins[k] ?? 'unknown');
  if (!result.ok) throw new ConfigError(result.problems);
  return { config: Object.freeze({ ...result.config }), origins: { ...origins } as Origins };
}

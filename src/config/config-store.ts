import { CONFIG_KEYS, LIVE_KEYS, SECRET_KEYS, type Config, type ConfigKey } from './schema.js';
import type { LoadedConfig, Origins } from './load.js';
import { maskReceivers } from './delivery-schema.js';
import { liveBoundProblems } from './live-bounds.js';
import { validateConfig, type ConfigProblem } from './validate.js';

/** Called after a live update took effect, with the keys whose value changed. */
export type ConfigListener = (config: Config, changed: readonly ConfigKey[]) => void;

/** Outcome of a live update. */
export type UpdateResult =
  | { readonly ok: true; readonly changed: readonly ConfigKey[] }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/**
 * The running configuration: validated once at start, then replaced whole by each valid live
 * update. Components read `current` when they need a value and subscribe to be told of changes.
 */
export class ConfigStore {
  #config: Config;
  /** The configuration before any live update: the floor live updates are bounded by. */
  readonly #local: Config;
  #origins: Record<ConfigKey, string>;
  readonly #listeners = new Set<ConfigListener>();

  constructor(loaded: LoadedConfig) {
    this.#config = loaded.config;
    this.#local = loaded.config;
    this.#origins = { ...loaded.origins };
  }

  /** The configuration in force (frozen). */
  get current(): Config {
    return this.#config;
  }

  /** Where each value in force came from. */
  get origins(): Origins {
    return this.#origins;
  }

  /** Registers a listener; returns a function that removes it. */
  onChange(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Applies a partial update (the keys present replace the current values). Anything invalid,
   * an unknown key, or a key that needs a restart rejects the whole update; the running
   * configuration then stays as it was.
   */
  applyUpdate(update: unknown, origin = 'live'): UpdateResult {
    if (update === null || typeof update !== 'object' || Array.isArray(update)) {
      return {
        ok: false,
        problems: [{ key: '(update)', value: update, origin, allowed: 'a JSON object of configuration keys' }],
      };
    }
    const partial = update as Record<string, unknown>;
    const notLive = Object.keys(partial).filter(
      (k) => (CONFIG_KEYS as string[]).includes(k) && !(LIVE_KEYS as string[]).includes(k),
    );
    if (notLive.length > 0) {
      return {
        ok: false,
        problems: notLive.map((k) => ({
          key: k,
          value: SECRET_KEYS.includes(k as ConfigKey) ? '***' : partial[k],
          origin,
          allowed: `no live change: this key needs a restart (live keys: ${LIVE_KEYS.join(', ')})`,
        })),
      };
    }
    const candidate = { ...this.#config, ...partial };
    const result = validateConfig(candidate, (k) => (k in partial ? origin : (this.#origins[k as ConfigKey] ?? 'unknown')));
    if (!result.ok) return { ok: false, problems: result.problems };
    const bounded = liveBoundProblems(this.#local, partial, origin);
    if (bounded.length > 0) return { ok: false, problems: bounded };
    const changed = (Object.keys(partial) as ConfigKey[]).filter(
      (k) => JSON.stringify(this.#config[k]) !== JSON.stringify(result.config[k]),
    );
    this.#config = Object.freeze(result.config);
    for (const k of Object.keys(partial) as ConfigKey[]) this.#origins[k] = origin;
    if (changed.length > 0) for (const l of this.#listeners) l(this.#config, changed);
    return { ok: true, changed };
  }
}

/** Masks secrets: passwords inside URLs, receiver URLs and headers, and whole secret values. */
export function maskValue(key: ConfigKey, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (key === 'database_url' || key === 'nats_url') return maskUrl(String(value));
  if (key === 'delivery_receivers') return maskReceivers(value);
  if (key === 'optimize_databases' && Array.isArray(value)) return value.map((v) => maskUrl(String(v)));
  if (SECRET_KEYS.includes(key)) return '***';
  return value;
}

/**
 * Masks every secret a connection string can carry, whatever its form: the password of each
 * `scheme://user:password@host` (one URL or a comma-separated list; the password may hold `,`,
 * `/` or `@`), query parameters such as `?password=` or `sslpassword=`, and libpq `key=value` words
 * such as `password=secret`.
 */
export function maskUrl(url: string): string {
  const parts = url.split('://');
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const at = part.lastIndexOf('@');
    if (at < 0) continue;
    const colon = part.indexOf(':');
    if (colon >= 0 && colon < at) parts[i] = `${part.slice(0, colon + 1)}***${part.slice(at)}`;
  }
  return parts
    .join('://')
    .replace(/([?&][^=&\s]*(?:pass|secret|token|key)[^=&\s]*=)[^&\s]*/gi, '$1***')
    .replace(/(^|\s)((?:ssl)?password|passfile)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/gi, '$1$2=***');
}

import type { Command } from 'commander';
import { httpTokens } from '../config/http-access.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { ConfigError } from '../config/validate.js';
import { migrate } from '../store/migrate.js';
import { openDb } from '../store/open-db.js';
import { readLock } from '../store/data-dir-lock.js';
import type { Db } from '../store/db.js';
import type { Config } from '../config/schema.js';
import { CliError } from './cli-error.js';

/** Adds the `--config FILE` option every command shares. */
export function withConfigOption(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'configuration file (JSON or YAML); environment variables override it');
}

/** Loads the configuration as `start` does; a bad value is a one-line error, exit code 2. */
export function loadCliConfig(file: string | undefined): LoadedConfig {
  try {
    return loadConfig(file === undefined ? {} : { file });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`invalid configuration: ${err.message}`, 2);
    throw err;
  }
}

/** Base URL of the running engine's HTTP API, as a client should try it. */
export function engineUrl(config: Config): string {
  if (!config.database_url) {
    const lock = readLock(config.data_dir);
    if (lock?.http) return lock.http;
  }
  const host = config.http_host === '0.0.0.0' || config.http_host === '::' ? '127.0.0.1' : config.http_host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http_port}`;
}

/**
 * The `Authorization` header for a request to the running engine, from the same configuration
 * (`http_read_token`, `http_write_token` or their files, in the config file or the environment):
 * the read token for reading (else the write token, which reads too), the write token for
 * changes; no header without one.
 */
export function engineHeaders(config: Config, scope: 'read' | 'write'): Record<string, string> {
  let tokens;
  try {
    tokens = httpTokens(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`invalid configuration: ${err.message}`, 2);
    throw err;
  }
  const token = scope === 'read' ? (tokens.read ?? tokens.write) : tokens.write;
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

/** GETs JSON from the running engine; null when no engine answers. */
export async function fetchEngine(config: Config, path: string, timeoutMs = 2000): Promise<unknown> {
  try {
    const res = await fetch(`${engineUrl(config)}${path}`, { headers: engineHeaders(config, 'read'), signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { error?: { message?: string } };
    if (!res.ok) throw new CliError(`engine answered ${res.status}: ${body.error?.message ?? JSON.stringify(body)}`);
    return body;
  } catch (err) {
    if (err instanceof CliError) throw err;
    return null;
  }
}

/**
 * Runs `fn` on the database the configuration selects. The embedded store can only be opened by
 * one process, so when a live engine holds the data folder this returns null and the caller asks
 * the engine over HTTP instead. Migrations are applied first unless told not to, so a fresh store
 * reads as empty rather than failing.
 */
export async function withDirectDb<T>(
  config: Config,
  fn: (db: Db) => Promise<T>,
  opts: { migrate: boolean } = { migrate: true },
): Promise<T | null> {
  if (!config.database_url && readLock(config.data_dir)) return null;
  let db: Db;
  try {
    db = await openDb({ databaseUrl: config.database_url, schema: config.database_schema, dataDir: config.data_dir });
  } catch (err) {
    throw new CliError(`cannot open the database: ${(err as Error).message}`);
  }
  try {
    if (opts.migrate) await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Writes one line to stdout. */
export function println(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Formats rows as an aligned text table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

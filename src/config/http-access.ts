import { readFileSync } from 'node:fs';
import type { Config } from './schema.js';
import { ConfigError, type ConfigProblem } from './validate.js';

/** The bearer tokens of the HTTP API, read from the configuration or the files it names; null when not set. */
export interface HttpTokens {
  readonly read: string | null;
  readonly write: string | null;
}

/** Shortest token accepted: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Whether `host` names only this machine: `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped
 * 127.x. Anything else, `0.0.0.0`, `::`, a LAN address or another host name, counts as beyond
 * loopback (a name is not resolved: it might resolve differently later).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === 'localhost.') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h)) return true;
  return /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

type ReadFile = (path: string) => string;

/** One token: the value or the content of its file (not both), at least MIN_TOKEN_LENGTH long. */
function tokenOf(config: Config, scope: 'read' | 'write', originOf: (key: string) => string, readFile: ReadFile): string | null {
  const key = `http_${scope}_token` as const;
  const fileKey = `http_${scope}_token_file` as const;
  const value = config[key];
  const file = config[fileKey];
  if (value !== null && file !== null) {
    throw new ConfigError([{ key, value: '***', origin: originOf(key), allowed: `null when ${fileKey} is set (${originOf(fileKey)}): give the token one way` }]);
  }
  let token = value;
  if (file !== null) {
    try {
      token = readFile(file).trimEnd();
    } catch (err) {
      throw new ConfigError([{ key: fileKey, value: file, origin: originOf(fileKey), allowed: `a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` }]);
    }
  }
  if (token !== null && token.length < MIN_TOKEN_LENGTH) {
    const where = file !== null ? fileKey : key;
    throw new ConfigError([{ key: where, value: file ?? '***', origin: originOf(where), allowed: `a token of at least ${MIN_TOKEN_LENGTH} characters` }]);
  }
  return token;
}

/** Reads the HTTP tokens the configuration gives; throws ConfigError for a token file that cannot be read or a token too short. */
export function httpTokens(config: Config, originOf: (key: string) => string = () => 'configuration', readFile: ReadFile = (p) => readFileSync(p, 'utf8')): HttpTokens {
  return { read: tokenOf(config, 'read', originOf, readFile), write: tokenOf(config, 'write', originOf, readFile) };
}

/**
 * Why the engine must not listen where `http_host` says, or null when it may: beyond loopback
 * every state-changing route needs the write token, and reading needs the read token unless
 * `http_public_read` says reading is meant to be public.
 */
export function exposureProblem(config: Config, tokens: HttpTokens, originOf: (key: string) => string = () => 'configuration'): ConfigProblem | null {
  if (isLoopbackHost(config.http_host)) return null;
  const missing = [tokens.write === null ? 'http_write_token' : null, tokens.read === null && !config.http_public_read ? 'http_read_token (or http_public_read: true)' : null].filter(
    (m): m is string => m !== null,
  );
  if (missing.length === 0) return null;
  return {
    key: 'http_host',
    value: config.http_host,
    origin: originOf('http_host'),
    allowed: `a loopback address (127.0.0.1, ::1, localhost) unless ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} set: the API would answer anyone who reaches the port`,
  };
}

/** The tokens, after checking that the engine may listen where it is told to; throws ConfigError otherwise. */
export function checkedHttpTokens(config: Config, originOf: (key: string) => string = () => 'configuration', readFile?: ReadFile): HttpTokens {
  const tokens = httpTokens(config, originOf, readFile);
  const problem = exposureProblem(config, tokens, originOf);
  if (problem) throw new ConfigError([problem]);
  return tokens;
}

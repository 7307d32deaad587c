import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maskValue } from './config-store.js';
import { checkedHttpTokens, exposureProblem, httpTokens, isLoopbackHost } from './http-access.js';
import { loadConfig } from './load.js';
import { ConfigError, formatProblem } from './validate.js';

const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'perf-engine-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (env: Record<string, string>) => loadConfig({ env }).config;

function thrown(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('isLoopbackHost', () => {
  it('counts only addresses of this machine as loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.org', 'localhost.example.org', '::ffff:10.0.0.1', '']) expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('HTTP tokens', () => {
  it('reads tokens from the configuration or from their files, without trailing whitespace', () => {
    const file = join(dir, 'write');
    writeFileSync(file, `${WRITE}\n`);
    expect(httpTokens(config({ PERF_ENGINE_HTTP_READ_TOKEN: READ, PERF_ENGINE_HTTP_WRITE_TOKEN_FILE: file }))).toEqual({ read: READ, write: WRITE });
    expect(httpTokens(config({}))).toEqual({ read: null, write: null });
  });

  it('refuses a token given twice, a file it cannot read and a short token, never showing the token', () => {
    const file = join(dir, 'short');
    writeFileSync(file, 'abc\n');
    const both = loadConfig({ env: { PERF_ENGINE_HTTP_READ_TOKEN: READ, PERF_ENGINE_HTTP_READ_TOKEN_FILE: file } });
    const twice = thrown(() => httpTokens(both.config, (k) => both.origins[k as keyof typeof both.origins]));
    expect(twice.message).toMatch(/^http_read_token = "\*\*\*" \(from env:PERF_ENGINE_HTTP_READ_TOKEN\)/);
    expect(thrown(() => httpTokens(config({ PERF_ENGINE_HTTP_WRITE_TOKEN_FILE: join(dir, 'none') }))).message).toContain('a readable file (ENOENT)');
    expect(thrown(() => httpTokens(config({ PERF_ENGINE_HTTP_WRITE_TOKEN_FILE: file }))).message).toContain('at least 16 characters');
    const short = thrown(() => httpTokens(config({ PERF_ENGINE_HTTP_WRITE_TOKEN: 'shortsecret' })));
    expect(short.message).not.toContain('shortsecret');
  });

  it('masks the tokens in the configuration report and in validation errors', () => {
    expect(maskValue('http_write_token', WRITE)).toBe('***');
    const bad = thrown(() => loadConfig({ env: {}, file: writeJson({ http_read_token: 1234567890123456 }) }));
    expect(bad.problems.map(formatProblem).join()).not.toContain('1234567890');
  });
});

function writeJson(obj: object): string {
  const file = join(dir, `c-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(obj));
  return file;
}

describe('exposure beyond loopback', () => {
  it('lets a loopback address listen without tokens', () => {
    expect(exposureProblem(config({}), { read: null, write: null })).toBeNull();
  });

  it('refuses 0.0.0.0, :: and a LAN address without a write token, and without a read token unless reading is declared public', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      const c = config({ PERF_ENGINE_HTTP_HOST: host });
      expect(exposureProblem(c, { read: null, write: null })?.allowed).toContain('http_write_token and http_read_token (or http_public_read: true) are set');
      expect(exposureProblem(c, { read: READ, write: null })?.allowed).toMatch(/unless http_write_token is set/);
      expect(exposureProblem(c, { read: null, write: WRITE })?.allowed).toMatch(/unless http_read_token \(or http_public_read: true\) is set/);
      expect(exposureProblem(c, { read: READ, write: WRITE })).toBeNull();
    }
    const open = config({ PERF_ENGINE_HTTP_HOST: '0.0.0.0', PERF_ENGINE_HTTP_PUBLIC_READ: 'true', PERF_ENGINE_HTTP_WRITE_TOKEN: WRITE });
    expect(checkedHttpTokens(open)).toEqual({ read: null, write: WRITE });
  });

  it('says so in one line naming the key, value and origin', () => {
    const err = thrown(() => checkedHttpTokens(config({ PERF_ENGINE_HTTP_HOST: '0.0.0.0' }), () => 'env:PERF_ENGINE_HTTP_HOST'));
    expect(err.message).toBe(
      'http_host = "0.0.0.0" (from env:PERF_ENGINE_HTTP_HOST) is not allowed: a loopback address (127.0.0.1, ::1, localhost) unless http_write_token and http_read_token (or http_public_read: true) are set: the API would answer anyone who reaches the port',
    );
  });
});

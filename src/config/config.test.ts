import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore, maskUrl, maskValue } from './config-store.js';
import { envName, loadConfig } from './load.js';
import { DEFAULTS } from './schema.js';
import { ConfigError } from './validate.js';

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function loadError(opts: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(opts);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the seed defaults with no file and no environment', () => {
    const { config, origins } = loadConfig({ env: {} });
    expect(config.monitoring_interval_seconds).toBe(15);
    expect(config.profiling_schedule).toBeNull();
    expect(config.alert_thresholds).toEqual({});
    expect(config.enable_auto_profiling).toBe(false);
    expect(config.data_retention_days).toBe(90);
    expect(origins.monitoring_interval_seconds).toBe('default');
  });

  it('refuses a __proto__ member of the file as an unknown key, naming it, rather than dropping it unseen', () => {
    for (const file of [tmpFile('p.json', '{"__proto__": {"data_retention_days": 1}}'), tmpFile('p.yaml', '__proto__:\n  polluted: true\n')]) {
      let error: unknown;
      try {
        loadConfig({ file, env: {} });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => [p.key, p.origin])).toEqual([['__proto__', `file:${file}`]]);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(loadConfig({ file: tmpFile('q.json', '{"data_retention_days": 7}'), env: {} }).config.data_retention_days).toBe(7);
  });

  it('refuses a file nested over 64 levels before parsing it (flow, block, compact sequences; JSON or YAML), not with a stack overflow', () => {
    const deep = [
      tmpFile('deep.json', `{"report_schedule": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`),
      tmpFile('deep-flow.yaml', `report_schedule: ${'{a: '.repeat(65)}1${'}'.repeat(65)}\n`),
      tmpFile('deep-block.yaml', `${Array.from({ length: 70 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`),
      tmpFile('deep-compact.yaml', `report_schedule:\n  ${'- '.repeat(5000)}x\n`),
    ];
    for (const file of deep) {
      expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
      expect(() => loadConfig({ file, env: {} })).toThrow(/^--config = .* \(from command line\) is not allowed: a file nested at most 64 levels deep/);
    }
    const nested = `http_tokens:\n  - token: ${'x'.repeat(32)}\n    roles: [read]\nalert_thresholds: {cpu_usage: {warning: 80, overrides: [{source: a, warning: 90}]}}\n`;
    expect(() => loadConfig({ file: tmpFile('nested.yaml', nested), env: {} })).not.toThrow(/nested at most/);
  });

  it('lists ten of 5,000 unknown keys and counts the rest, in a message of a few kilobytes', () => {
    const file = tmpFile('many.json', JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))));
    let error: ConfigError | undefined;
    try {
      loadConfig({ file, env: {} });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems.map((p) => p.key)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
    expect(error?.message).toContain('and 4990 more unknown keys not listed; known keys: monitoring_interval_seconds');
    expect(error!.message.length).toBeLessThan(10_000);
  });

  it('lets the environment override the file, which overrides the defaults', () => {
    const file = tmpFile('c.yaml', 'monitoring_interval_seconds: 10\ndata_retention_days: 30\n');
    const { config, origins } = loadConfig({
      file,
      env: { PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '5', DATABASE_URL: 'postgres://u:pw@h/db' },
    });
    expect(config.monitoring_interval_seconds).toBe(5);
    expect(origins.monitoring_interval_seconds).toBe('env:PERF_ENGINE_MONITORING_INTERVAL_SECONDS');
    expect(config.data_retention_days).toBe(30);
    expect(origins.data_retention_days).toBe(`file:${file}`);
    expect(config.database_url).toBe('postgres://u:pw@h/db');
  });

  it('reads JSON files and JSON-valued environment variables', () => {
    const file = tmpFile('c.json', JSON.stringify({ alert_thresholds: { cpu_usage: { critical: 90 } } }));
    const { config } = loadConfig({
      file,
      env: { PERF_ENGINE_ENABLE_AUTO_PROFILING: 'true', PERF_ENGINE_WATCH_PROCESSES: '["^node$","^python"]' },
    });
    expect(config.alert_thresholds).toEqual({ cpu_usage: { critical: 90 } });
    expect(config.enable_auto_profiling).toBe(true);
    expect(config.watch_processes).toEqual(['^node$', '^python']);
  });

  it('names the key, the value, the origin and what is allowed for a bad value', () => {
    const err = loadError({ env: { PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '0' } });
    expect(err.message).toContain('monitoring_interval_seconds = 0');
    expect(err.message).toContain('env:PERF_ENGINE_MONITORING_INTERVAL_SECONDS');
    expect(err.message).toContain('an integer from 1 to 86400');
  });

  it('rejects an interval above a day, a non-number, an unknown key and a bad cron', () => {
    expect(loadError({ env: { PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '86401' } }).message).toContain('86401');
    expect(loadError({ env: { PERF_ENGINE_DATA_RETENTION_DAYS: 'ninety' } }).message).toContain('"ninety"');
    const unknown = loadError({ file: tmpFile('u.json', '{"monitoring_interval":10}') });
    expect(unknown.message).toContain('monitoring_interval');
    expect(unknown.message).toContain('unknown key');
    expect(loadError({ env: { PERF_ENGINE_PROFILING_SCHEDULE: 'every day' } }).message).toContain('cron expression');
  });

  it('rejects an unreadable or malformed file with the path in the message', () => {
    expect(loadError({ file: '/nonexistent/x.yaml' }).message).toContain('/nonexistent/x.yaml');
    expect(loadError({ file: tmpFile('bad.json', '{oops') }).message).toContain('valid JSON');
  });

  it('rejects threshold rules that have no level or a wrong type', () => {
    expect(loadError({ env: { PERF_ENGINE_ALERT_THRESHOLDS: '{"cpu_usage":{}}' } }).message).toContain('at least one of');
    expect(loadError({ env: { PERF_ENGINE_ALERT_THRESHOLDS: '{"cpu_usage":{"critical":"high"}}' } }).message).toContain(
      'alert_thresholds/cpu_usage/critical',
    );
  });

  it('bounds the watched processes by age and count, and refuses a negative age or a zero cap', () => {
    const { config } = loadConfig({ env: { PERF_ENGINE_WATCH_MIN_AGE_SECONDS: '120' } });
    expect(config.watch_min_age_seconds).toBe(120);
    expect(config.watch_max_processes).toBe(DEFAULTS.watch_max_processes);
    expect(loadError({ env: { PERF_ENGINE_WATCH_MIN_AGE_SECONDS: '-1' } }).message).toContain('an integer from 0 to 86400');
    expect(loadError({ env: { PERF_ENGINE_WATCH_MAX_PROCESSES: '0' } }).message).toContain(
      'watch_max_processes = 0 (from env:PERF_ENGINE_WATCH_MAX_PROCESSES) is not allowed: an integer from 1 to 10000',
    );
    const store = new ConfigStore(loadConfig({ env: {} }));
    expect(store.applyUpdate({ watch_min_age_seconds: 5, watch_max_processes: 20 })).toEqual({
      ok: true,
      changed: ['watch_min_age_seconds', 'watch_max_processes'],
    });
  });

  it('maps every key to PERF_ENGINE_<KEY> except the two aliases', () => {
    expect(envName('http_port')).toBe('PERF_ENGINE_HTTP_PORT');
    expect(envName('database_url')).toBe('DATABASE_URL');
    expect(envName('nats_url')).toBe('NATS_URL');
  });
});

describe('ConfigStore live updates', () => {
  it('applies a valid partial update and tells listeners what changed', () => {
    const store = new ConfigStore(loadConfig({ env: {} }));
    const seen: string[][] = [];
    store.onChange((_c, changed) => seen.push([...changed]));
    const r = store.applyUpdate({ monitoring_interval_seconds: 10, alert_thresholds: { cpu_usage: { warning: 75, critical: 90 } } });
    expect(r.ok).toBe(true);
    expect(store.current.monitoring_interval_seconds).toBe(10);
    expect(store.origins.monitoring_interval_seconds).toBe('live');
    expect(seen).toEqual([['monitoring_interval_seconds', 'alert_thresholds']]);
  });

  it('rejects a bad update whole and keeps the running configuration', () => {
    const store = new ConfigStore(loadConfig({ env: {} }));
    const r = store.applyUpdate({ monitoring_interval_seconds: 10, data_retention_days: -1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.key).toBe('data_retention_days');
    expect(store.current.monitoring_interval_seconds).toBe(DEFAULTS.monitoring_interval_seconds);
  });

  it('rejects keys that need a restart, unknown keys and non-objects', () => {
    const store = new ConfigStore(loadConfig({ env: {} }));
    expect(store.applyUpdate({ http_port: 1234 }).ok).toBe(false);
    expect(store.applyUpdate({ bogus: 1 }).ok).toBe(false);
    expect(store.applyUpdate([1, 2]).ok).toBe(false);
    expect(store.applyUpdate(null).ok).toBe(false);
    expect(store.current.http_port).toBe(DEFAULTS.http_port);
  });

  it('never lets a live update weaken what the local configuration set', () => {
    const store = new ConfigStore(loadConfig({ env: { PERF_ENGINE_DATA_RETENTION_DAYS: '30', PERF_ENGINE_LOG_LEVEL: 'warn' } }));
    const refused = (update: Record<string, unknown>) => {
      const r = store.applyUpdate(update);
      return r.ok ? [] : r.problems.map((p) => p.key);
    };
    expect(refused({ data_retention_days: 1 })).toEqual(['data_retention_days']);
    expect(refused({ detect_enabled: false })).toEqual(['detect_enabled']);
    expect(refused({ diagnose_enabled: false })).toEqual(['diagnose_enabled']);
    expect(refused({ log_level: 'silent' })).toEqual(['log_level']);
    expect(refused({ log_level: 'error' })).toEqual(['log_level']);
    expect(store.current).toMatchObject({ data_retention_days: 30, detect_enabled: true, diagnose_enabled: true, log_level: 'warn' });
    expect(store.applyUpdate({ data_retention_days: 60, log_level: 'debug' }).ok).toBe(true);
    expect(store.applyUpdate({ data_retention_days: 30, log_level: 'warn' }).ok).toBe(true);
  });

  it('lets the local configuration open what live updates may change', () => {
    const store = new ConfigStore(
      loadConfig({ env: { PERF_ENGINE_LIVE_MIN_RETENTION_DAYS: '7', PERF_ENGINE_LIVE_MAY_DISABLE_ANALYSIS: 'true' } }),
    );
    expect(store.applyUpdate({ data_retention_days: 7, detect_enabled: false }).ok).toBe(true);
    expect(store.applyUpdate({ data_retention_days: 6 }).ok).toBe(false);
    expect(store.applyUpdate({ live_min_retention_days: 1 }).ok).toBe(false);
  });

  it('does not notify when nothing changed', () => {
    const store = new ConfigStore(loadConfig({ env: {} }));
    let calls = 0;
    store.onChange(() => calls++);
    expect(store.applyUpdate({ monitoring_interval_seconds: 15 })).toEqual({ ok: true, changed: [] });
    expect(calls).toBe(0);
  });
});

describe('maskUrl', () => {
  it('hides passwords in one or several URLs', () => {
    expect(maskUrl('postgres://user:secret@host:5432/db')).toBe('postgres://user:***@host:5432/db');
    expect(maskUrl('nats://a:b@h1:4222,nats://c:d@h2:4222')).toBe('nats://a:***@h1:4222,nats://c:***@h2:4222');
    expect(maskUrl('nats://h:4222')).toBe('nats://h:4222');
  });

  it('hides passwords in every form a connection string takes', () => {
    expect(maskUrl('postgres://u:pa,ss@h/db')).toBe('postgres://u:***@h/db');
    expect(maskUrl('postgres://u:p@ss/w@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(maskUrl('postgres://h/db?user=u&password=secret&sslmode=require')).toBe('postgres://h/db?user=u&password=***&sslmode=require');
    expect(maskUrl('postgres://u@h/db?sslpassword=k')).toBe('postgres://u@h/db?sslpassword=***');
    expect(maskUrl("host=h user=u password='se cret' dbname=d")).toBe('host=h user=u password=*** dbname=d');
    expect(maskUrl('nats://h1:4222,nats://t0k3n@h2:4222')).toBe('nats://h1:4222,nats://t0k3n@h2:4222');
    for (const secret of ['secret', 'pa,ss', 'p@ss/w', 'se cret']) {
      expect(maskUrl(`postgres://u:${secret}@h/db?password=${secret}`)).not.toContain(secret);
    }
  });
});

describe('optimize_databases', () => {
  it('takes a JSON list from the environment and masks every password in it when shown', () => {
    const c = loadConfig({ env: { PERF_ENGINE_OPTIMIZE_DATABASES: '["postgres://u:s3cret@h/shop", "inventory"]' } }).config;
    expect(c.optimize_databases).toEqual(['postgres://u:s3cret@h/shop', 'inventory']);
    expect(maskValue('optimize_databases', c.optimize_databases)).toEqual(['postgres://u:***@h/shop', 'inventory']);
  });
});

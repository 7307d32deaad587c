import { describe, expect, it } from 'vitest';
import { ConfigStore, maskValue } from './config-store.js';
import { maskReceiverUrl } from './delivery-schema.js';
import { loadConfig } from './load.js';
import { ConfigError } from './validate.js';

const SLACK = 'https://hooks.slack.com/services/T000/B000/s3cr3tT0k3n';
const RECEIVERS = [
  { name: 'am', type: 'alertmanager', url: 'http://127.0.0.1:9093/' },
  { name: 'chat', type: 'slack', url: SLACK, headers: { Authorization: 'Bearer hunter2' }, match: { severity: ['critical'], source: 'order-*' } },
];

function loadError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('delivery configuration', () => {
  it('reads receivers from the environment as JSON, with no receiver by default', () => {
    expect(loadConfig({ env: {} }).config.delivery_receivers).toEqual([]);
    const { config } = loadConfig({ env: { PERF_ENGINE_DELIVERY_RECEIVERS: JSON.stringify(RECEIVERS) } });
    expect(config.delivery_receivers.map((r) => r.name)).toEqual(['am', 'chat']);
  });

  it('refuses duplicate names, non-http URLs and unknown fields, without printing the secrets', () => {
    const bad = [
      { name: 'x', type: 'webhook', url: 'ftp://h/s3cr3t' },
      { name: 'x', type: 'webhook', url: 'http://h/' },
    ];
    const e1 = loadError({ PERF_ENGINE_DELIVERY_RECEIVERS: JSON.stringify(bad) });
    expect(e1.problems.map((p) => p.key)).toEqual(['delivery_receivers/0/url', 'delivery_receivers/1/name']);
    expect(e1.message).not.toContain('s3cr3t');
    const typo = [{ name: 'y', type: 'slack', url: SLACK, headers: { Authorization: 'Bearer hunter2' }, mach: {} }];
    const e2 = loadError({ PERF_ENGINE_DELIVERY_RECEIVERS: JSON.stringify(typo) });
    expect(e2.message).toContain('mach');
    expect(e2.message).not.toMatch(/hunter2|s3cr3tT0k3n/);
    const e3 = loadError({ PERF_ENGINE_DELIVERY_RECEIVERS: JSON.stringify([{ name: 'z', type: 'pager', url: 'http://h' }]) });
    expect(e3.problems[0]!.key).toMatch(/^delivery_receivers\/0/);
  });

  it('refuses a backoff that starts above its cap', () => {
    const e = loadError({ PERF_ENGINE_DELIVERY_BACKOFF_INITIAL_MS: '5000', PERF_ENGINE_DELIVERY_BACKOFF_MAX_MS: '1000' });
    expect(e.problems.map((p) => p.key)).toEqual(['delivery_backoff_initial_ms']);
    // Only the cap set, below the default start: the cap is the key named.
    const cap = loadError({ PERF_ENGINE_DELIVERY_BACKOFF_MAX_MS: '15' });
    expect(cap.problems.map((p) => [p.key, p.allowed])).toEqual([['delivery_backoff_max_ms', 'at least delivery_backoff_initial_ms (1000)']]);
  });

  it('masks receiver URLs and header values wherever the configuration is shown', () => {
    const { config } = loadConfig({ env: { PERF_ENGINE_DELIVERY_RECEIVERS: JSON.stringify(RECEIVERS) } });
    const shown = JSON.stringify(maskValue('delivery_receivers', config.delivery_receivers));
    expect(shown).not.toMatch(/hunter2|s3cr3tT0k3n|T000/);
    expect(shown).toContain('"url":"https://hooks.slack.com/***"');
    expect(shown).toContain('"url":"http://127.0.0.1:9093"');
    expect(shown).toContain('"Authorization":"***"');
    expect(maskReceiverUrl('http://user:pw@h:1/')).toBe('http://h:1/***');
    expect(maskReceiverUrl('not a url')).toBe('***');
  });

  it('cannot be changed by a live update: a bus message must not redirect alerts', () => {
    const store = new ConfigStore(loadConfig({ env: { PERF_ENGINE_DELIVERY_RECEIVERS: JSON.stringify(RECEIVERS) } }));
    for (const update of [{ delivery_receivers: [] }, { delivery_external_url: 'http://evil/' }, { delivery_max_attempts: 1 }]) {
      const r = store.applyUpdate(update);
      expect(r.ok).toBe(false);
    }
    expect(store.current.delivery_receivers).toHaveLength(2);
  });
});

import { describe, expect, it } from 'vitest';
import type { TunableDescriptor } from '../model/agent-tunable.js';
import { checkConfigUpdate, compileTunable, type CheckedTunable } from './agent-config.js';

const tunable = (d: Partial<TunableDescriptor> & Pick<TunableDescriptor, 'name' | 'type' | 'value'>): [string, CheckedTunable] => [
  d.name,
  compileTunable({ default: d.value, affects: [], description: '', live: true, ...d }),
];
const tunables = new Map([
  tunable({ name: 'db_pool_size', type: 'integer', value: 4, minimum: 1, maximum: 32 }),
  tunable({ name: 'sample_rate', type: 'number', value: 0.5, minimum: 0, maximum: 1 }),
  tunable({ name: 'cache_enabled', type: 'boolean', value: true }),
  tunable({ name: 'mode', type: 'string', value: 'fast', enum: ['fast', 'safe'] }),
  tunable({ name: 'shards', type: 'integer', value: 2, minimum: 1, maximum: 8, live: false }),
]);

describe('checkConfigUpdate', () => {
  it('accepts values of the declared types within their bounds, in message order', () => {
    expect(checkConfigUpdate(tunables, { sample_rate: 0.25, db_pool_size: 32, cache_enabled: false, mode: 'safe' })).toEqual({
      ok: true,
      values: [
        ['sample_rate', 0.25],
        ['db_pool_size', 32],
        ['cache_enabled', false],
        ['mode', 'safe'],
      ],
    });
  });

  it('refuses a value outside the bounds, whole', () => {
    expect(checkConfigUpdate(tunables, { sample_rate: 0.25, db_pool_size: 33 })).toMatchObject({ ok: false, code: 'out_of_bounds', message: 'db_pool_size: 33 is outside 1..32' });
    expect(checkConfigUpdate(tunables, { db_pool_size: 0 })).toMatchObject({ ok: false, code: 'out_of_bounds' });
    expect(checkConfigUpdate(tunables, { sample_rate: -0.1 })).toMatchObject({ ok: false, code: 'out_of_bounds' });
  });

  it('refuses a value of the wrong type or not among the allowed values', () => {
    expect(checkConfigUpdate(tunables, { db_pool_size: 2.5 })).toMatchObject({ ok: false, code: 'invalid_value' });
    expect(checkConfigUpdate(tunables, { db_pool_size: '8' })).toMatchObject({ ok: false, code: 'invalid_value' });
    expect(checkConfigUpdate(tunables, { cache_enabled: 1 })).toMatchObject({ ok: false, code: 'invalid_value' });
    expect(checkConfigUpdate(tunables, { mode: 'reckless' })).toMatchObject({ ok: false, code: 'invalid_value', message: expect.stringContaining('fast, safe') });
    expect(checkConfigUpdate(tunables, { db_pool_size: null })).toMatchObject({ ok: false, code: 'invalid_value' });
  });

  it('refuses unknown keys, keys that are not live, and bodies that are not an object of 1-64 keys', () => {
    expect(checkConfigUpdate(tunables, { db_pool_size: 8, pool_max: 8 })).toMatchObject({ ok: false, code: 'unknown_key', message: expect.stringContaining('db_pool_size, sample_rate') });
    expect(checkConfigUpdate(tunables, { shards: 4 })).toMatchObject({ ok: false, code: 'not_live' });
    expect(checkConfigUpdate(tunables, {})).toMatchObject({ ok: false, code: 'invalid_request' });
    expect(checkConfigUpdate(tunables, [1])).toMatchObject({ ok: false, code: 'invalid_request' });
    expect(checkConfigUpdate(tunables, 'db_pool_size=8')).toMatchObject({ ok: false, code: 'invalid_request' });
  });
});

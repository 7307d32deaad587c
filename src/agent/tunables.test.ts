import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.js';
import { AgentConfigError, requestAgentConfigUpdate, requestAgentTunables } from '../bus/agent-config-client.js';
import { AgentTunables } from './tunables.js';

const log = pino({ level: 'silent' });

function agentWith(applied: string[], failOn?: string) {
  const bus = new MemoryBus();
  const t = new AgentTunables('agent-1', () => bus, log);
  const pool = t.declare('db_pool_size', {
    type: 'integer',
    value: 1,
    minimum: 1,
    maximum: 16,
    role: 'db_pool_size',
    affects: ['db_pool_wait_ms'],
    description: 'connections',
    apply: (v, prev) => void applied.push(`db_pool_size ${prev}->${v}`),
  });
  const conc = t.declare('concurrency', {
    type: 'integer',
    value: 64,
    minimum: 1,
    maximum: 256,
    description: 'calls at once',
    apply: (v, prev) => {
      if (failOn === 'concurrency') throw new Error('refused by the runner');
      applied.push(`concurrency ${prev}->${v}`);
    },
  });
  t.start();
  return { bus, t, pool, conc };
}

describe('AgentTunables', () => {
  it('publishes its tunables and applies a valid update, replying with the changes', async () => {
    const applied: string[] = [];
    const { bus, pool } = agentWith(applied);
    const list = await requestAgentTunables(bus, 'agent-1');
    expect(list.map((x) => [x.name, x.value, x.minimum, x.maximum])).toEqual([
      ['db_pool_size', 1, 1, 16],
      ['concurrency', 64, 1, 256],
    ]);
    const r = await requestAgentConfigUpdate(bus, 'agent-1', { db_pool_size: 8, concurrency: 64 });
    expect(r.changed).toEqual([{ key: 'db_pool_size', previous: 1, value: 8 }]);
    expect(r.unchanged).toEqual(['concurrency']);
    expect(applied).toEqual(['db_pool_size 1->8']);
    expect(pool.value).toBe(8);
    expect((await requestAgentTunables(bus, 'agent-1')).find((x) => x.name === 'db_pool_size')).toMatchObject({ value: 8, default: 1 });
  });

  it('refuses an out-of-bounds or unknown key whole, applying nothing', async () => {
    const applied: string[] = [];
    const { bus, pool } = agentWith(applied);
    await expect(requestAgentConfigUpdate(bus, 'agent-1', { db_pool_size: 8, concurrency: 1000 })).rejects.toMatchObject({ code: 'out_of_bounds', remote: true });
    await expect(requestAgentConfigUpdate(bus, 'agent-1', { db_pool_size: 8, threads: 2 })).rejects.toMatchObject({ code: 'unknown_key' });
    expect(applied).toEqual([]);
    expect(pool.value).toBe(1);
    const raw = await bus.request('config.agent-1.updated', '{not json', 1000);
    expect(JSON.parse(new TextDecoder().decode(raw.data))).toMatchObject({ ok: false, error: { code: 'invalid_json' } });
  });

  it('puts back what it applied when a later key fails to apply', async () => {
    const applied: string[] = [];
    const { bus, pool } = agentWith(applied, 'concurrency');
    const err = await requestAgentConfigUpdate(bus, 'agent-1', { db_pool_size: 4, concurrency: 8 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentConfigError);
    expect(err).toMatchObject({ code: 'apply_failed', remote: true });
    expect(applied).toEqual(['db_pool_size 1->4', 'db_pool_size 4->1']);
    expect(pool.value).toBe(1);
  });

  it('refuses invalid declarations: numbers without bounds, a start outside them, a taken or bad name', () => {
    const t = new AgentTunables('a', () => new MemoryBus(), log);
    const base = { description: '', apply: () => undefined };
    expect(() => t.declare('n', { ...base, type: 'integer', value: 1 })).toThrow(/minimum <= maximum/);
    expect(() => t.declare('n', { ...base, type: 'integer', value: 9, minimum: 1, maximum: 8 })).toThrow(/does not fit/);
    expect(() => t.declare('Bad-Name', { ...base, type: 'boolean', value: true })).toThrow(/a-z 0-9 _/);
    t.declare('flag', { ...base, type: 'boolean', value: true });
    expect(() => t.declare('flag', { ...base, type: 'boolean', value: true })).toThrow(/twice/);
  });

  it('lets the agent set a tunable locally within its bounds, live or not', async () => {
    const t = new AgentTunables('a', () => new MemoryBus(), log);
    const seen: number[] = [];
    const shards = t.declare('shards', { type: 'integer', value: 2, minimum: 1, maximum: 8, live: false, description: '', apply: (v) => void seen.push(v) });
    await shards.set(4);
    await expect(shards.set(9)).rejects.toMatchObject({ code: 'out_of_bounds' });
    await expect(t.update({ shards: 3 })).rejects.toMatchObject({ code: 'not_live' });
    expect(seen).toEqual([4]);
    expect(shards.value).toBe(4);
  });
});

import { describe, expect, it } from 'vitest';
import type { BusMessage } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { decodeText } from '../wire/json.js';

async function ask(bus: MemoryBus, subject: string, payload: string): Promise<Record<string, unknown>> {
  const reply = await bus.request(subject, payload, 1000);
  return JSON.parse(decodeText(reply.data)) as Record<string, unknown>;
}

describe('the bus edge (every subscription)', () => {
  it('answers a handler that throws with internal, counts it, and keeps delivering', async () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    bus.subscribe('s', (m) => {
      const text = decodeText(m.data);
      seen.push(text);
      if (text === '"boom"') JSON.stringify(nest(20_000));
      bus.publish(m.reply!, '{"ok":true}');
    });
    const failed = await ask(bus, 's', '"boom"');
    expect(failed).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(String((failed.error as { message: string }).message)).toMatch(/RangeError/);
    expect(await ask(bus, 's', '"fine"')).toEqual({ ok: true });
    expect(seen).toEqual(['"boom"', '"fine"']);
    expect(bus.status().subscriptions).toEqual([
      expect.objectContaining({ subject: 's', alive: true, received: 2, refused: 0, failed: 1, lastFailure: expect.stringMatching(/RangeError/) }),
    ]);
  });

  it('answers a rejected promise with internal too', async () => {
    const bus = new MemoryBus();
    bus.subscribe('s', async () => {
      await Promise.resolve();
      throw new Error('async failure');
    });
    expect(await ask(bus, 's', '{}')).toEqual({ ok: false, error: { code: 'internal', message: 'the message could not be handled: Error: async failure' } });
  });

  it('refuses a payload over its limits before the handler sees it, with the code of the limit', async () => {
    const bus = new MemoryBus();
    const delivered: BusMessage[] = [];
    bus.subscribe('s', (m) => delivered.push(m), { limits: { maxBytes: 100_000, maxDepth: 8, maxKeys: 4 } });
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(await ask(bus, 's', deep)).toMatchObject({ ok: false, error: { code: 'too_deep' } });
    expect(await ask(bus, 's', '{"a":1,"b":2,"c":3,"d":4,"e":5}')).toMatchObject({ ok: false, error: { code: 'too_many_keys' } });
    expect(await ask(bus, 's', `"${'x'.repeat(100_000)}"`)).toMatchObject({ ok: false, error: { code: 'too_large' } });
    expect(delivered).toHaveLength(0);
    expect(bus.status().subscriptions[0]).toMatchObject({ received: 3, refused: 3, failed: 0 });
  });

  it('hands refused messages to the subscriber own rejection path, with its own code when asked', async () => {
    const bus = new MemoryBus();
    const refused: string[] = [];
    bus.subscribe('s', () => undefined, {
      limits: { maxDepth: 2 },
      limitCode: 'invalid_request',
      onRefused: (m, code, reason) => {
        refused.push(`${code}: ${reason}`);
        bus.publish(m.reply!, JSON.stringify({ ok: false, error: { code, message: reason } }));
      },
    });
    expect(await ask(bus, 's', '[[[1]]]')).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(refused).toEqual(['invalid_request: nested deeper than 2 levels of objects and arrays']);
  });

  it('reports no subscription once it is removed, and none alive once the bus is closed', async () => {
    const bus = new MemoryBus();
    const off = bus.subscribe('a', () => undefined);
    bus.subscribe('b', () => undefined);
    off();
    expect(bus.status().subscriptions.map((s) => s.subject)).toEqual(['b']);
    await bus.close();
    expect(await bus.probe()).toBe(false);
  });
});

/** `{"a":{"a":...}}`, `depth` levels deep, built without recursion. */
function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

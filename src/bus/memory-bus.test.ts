import { describe, expect, it } from 'vitest';
import { BusTimeoutError, NoRespondersError, type BusMessage } from './bus.js';
import { decodeText } from '../wire/json.js';
import { MemoryBus } from './memory-bus.js';
import { subjectMatches } from './subject-match.js';

describe('subjectMatches', () => {
  it('follows NATS wildcard rules', () => {
    expect(subjectMatches('a.b', 'a.b')).toBe(true);
    expect(subjectMatches('a.*', 'a.b')).toBe(true);
    expect(subjectMatches('a.*', 'a.b.c')).toBe(false);
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('*.b', 'a.b')).toBe(true);
    expect(subjectMatches('a.b', 'a.c')).toBe(false);
  });
});

describe('MemoryBus', () => {
  it('delivers asynchronously to matching subscribers', async () => {
    const bus = new MemoryBus();
    const got: string[] = [];
    bus.subscribe('x.*', (m) => got.push(`${m.subject}:${decodeText(m.data)}`));
    bus.publish('x.y', 'hello');
    expect(got).toEqual([]);
    await bus.flush();
    expect(got).toEqual(['x.y:hello']);
  });

  it('gives each message to one member of a queue group, in turn', async () => {
    const bus = new MemoryBus();
    const a: BusMessage[] = [];
    const b: BusMessage[] = [];
    bus.subscribe('q', (m) => a.push(m), { queue: 'g' });
    bus.subscribe('q', (m) => b.push(m), { queue: 'g' });
    for (let i = 0; i < 4; i++) bus.publish('q', String(i));
    await bus.flush();
    expect(a.length + b.length).toBe(4);
    expect(a.length).toBe(2);
  });

  it('answers requests and times out or fails fast without responders', async () => {
    const bus = new MemoryBus();
    bus.subscribe('echo', (m) => bus.publish(m.reply!, m.data));
    const r = await bus.request('echo', 'ping', 1000);
    expect(decodeText(r.data)).toBe('ping');
    await expect(bus.request('nobody', 'x', 100)).rejects.toBeInstanceOf(NoRespondersError);
    bus.subscribe('silent', () => undefined);
    await expect(bus.request('silent', 'x', 50)).rejects.toBeInstanceOf(BusTimeoutError);
  });

  it('stops delivering after unsubscribe and close', async () => {
    const bus = new MemoryBus();
    let n = 0;
    const off = bus.subscribe('s', () => n++);
    bus.publish('s', 'a');
    await bus.flush();
    off();
    bus.publish('s', 'b');
    await bus.flush();
    expect(n).toBe(1);
    await bus.close();
    expect(bus.status().connected).toBe(false);
  });
});

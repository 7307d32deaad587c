import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { RateLimitedLog } from './rate-limited-log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ level: 'info', name: 't', destination }) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('RateLimitedLog', () => {
  it('writes one line per key per window and says how many were left out', async () => {
    const { lines, log } = capture();
    let now = 0;
    const limited = new RateLimitedLog(log, 1000, () => now);
    for (let i = 0; i < 50; i++) limited.error('a', { i }, 'handler failed');
    limited.warn('b', { i: 0 }, 'other key');
    now = 1000;
    limited.error('a', { i: 50 }, 'handler failed');
    await tick();
    expect(lines.map((l) => [l.msg, l.i, l.suppressed])).toEqual([
      ['handler failed', 0, undefined],
      ['other key', 0, undefined],
      ['handler failed', 50, 49],
    ]);
    expect(limited.suppressedTotal).toBe(49);
  });

  it('builds the fields of a line only when it is written', () => {
    const { log } = capture();
    const limited = new RateLimitedLog(log, 60_000);
    let built = 0;
    for (let i = 0; i < 10; i++) limited.error('k', () => ({ n: ++built }), 'x');
    expect(built).toBe(1);
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { componentLogger, createLogger } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('writes JSON lines with the component of a child logger and redacts secrets', async () => {
    const { lines, destination } = capture();
    const root = createLogger({ level: 'info', name: 'perf-engine', destination });
    componentLogger(root, 'bus').info(
      { password: 'p1', config: { database_url: 'postgres://u:p2@h/db', nats_password: 'p3', nats_token: 't1' }, server: 'h:4222' },
      'connected',
    );
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({ component: 'bus', msg: 'connected', server: 'h:4222', password: '***' });
    expect(JSON.stringify(line)).not.toMatch(/p1|p2|p3|t1/);
    expect(typeof line.time).toBe('string');
  });
});

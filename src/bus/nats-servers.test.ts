import { describe, expect, it } from 'vitest';
import { splitNatsUrl } from './nats-servers.js';

describe('credentials inside NATS_URL', () => {
  it('move into the auth settings and leave server URLs safe to log', () => {
    expect(splitNatsUrl('nats://engine:s%40cret@h1:4222,nats://engine:s%40cret@h2:4222')).toEqual({
      servers: ['nats://h1:4222', 'nats://h2:4222'],
      auth: { user: 'engine', password: 's@cret' },
    });
    expect(splitNatsUrl('nats://T0KEN@h1:4222')).toEqual({ servers: ['nats://h1:4222'], auth: { token: 'T0KEN' } });
    expect(splitNatsUrl('h1:4222', { tlsCaFile: '/ca.pem' })).toEqual({ servers: ['h1:4222'], auth: { tlsCaFile: '/ca.pem' } });
  });

  it('are refused with a message that shows no secret when they clash or differ', () => {
    expect(() => splitNatsUrl('nats://a:pw1@h1:4222', { user: 'b', password: 'x' })).toThrow(/in one place/);
    expect(() => splitNatsUrl('nats://a:pw1@h1:4222,nats://a:pw2@h2:4222')).toThrow(/different credentials/);
    try {
      splitNatsUrl('nats://a:pw1@h1:4222,nats://a:pw2@h2:4222');
    } catch (err) {
      expect(String(err)).not.toMatch(/pw1|pw2/);
    }
  });
});

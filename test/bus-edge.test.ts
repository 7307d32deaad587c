import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NatsBus } from '../src/bus/nats-bus.js';
import { decodeText } from '../src/wire/json.js';
import { NATS_URL, quietLogger, waitFor } from './helpers/services.js';

const open: NatsConnection[] = [];
async function natsBus(): Promise<{ bus: NatsBus; nc: NatsConnection; peer: NatsConnection }> {
  const nc = await connect({ servers: NATS_URL });
  const peer = await connect({ servers: NATS_URL });
  open.push(nc, peer);
  return { bus: new NatsBus(nc, quietLogger()), nc, peer };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  vi.restoreAllMocks();
});

const subject = () => `edge_${randomBytes(4).toString('hex')}`;

describe('the NATS bus edge', () => {
  it('keeps its reader alive when a handler overflows the stack, answers internal, and delivers what follows', async () => {
    const { bus, peer } = await natsBus();
    const s = subject();
    const got: string[] = [];
    bus.subscribe(s, (m) => {
      const text = decodeText(m.data);
      got.push(text);
      // What formatting a 10,000-deep rejected value used to do inside the NATS callback.
      if (text.startsWith('[')) JSON.stringify(JSON.parse(text));
    });
    await bus.flush();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const reply = await peer.request(s, deep, { timeout: 5000 });
    expect(reply.json()).toMatchObject({ ok: false, error: { code: 'too_deep' } });
    bus.subscribe(`${s}.loose`, (m) => {
      const text = decodeText(m.data);
      got.push(text);
      JSON.stringify(JSON.parse(text));
    }, { limits: { maxDepth: 100_000 } });
    await bus.flush();
    const failed = await peer.request(`${s}.loose`, deep, { timeout: 5000 });
    expect(failed.json()).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/RangeError/) } });
    peer.publish(s, '"after"');
    await waitFor(() => got.includes('"after"'));
    expect(await bus.probe(2000)).toBe(true);
    const status = bus.status();
    expect(status.readerAlive).toBe(true);
    expect(status.subscriptions).toEqual([
      expect.objectContaining({ subject: s, alive: true, refused: 1, failed: 0 }),
      expect.objectContaining({ subject: `${s}.loose`, alive: true, refused: 0, failed: 1 }),
    ]);
  });

  it('tells a dead reader: the probe gets no round trip and no subscription is alive, though the socket looks connected', async () => {
    const { bus, nc, peer } = await natsBus();
    const s = subject();
    bus.subscribe(`${s}.guarded`, () => undefined);
    // A subscription that bypasses the edge, as every one did before: its exception kills nats.js's reader.
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    nc.subscribe(s, {
      callback: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
    });
    await nc.flush();
    peer.publish(s, 'x');
    await peer.flush();
    await waitFor(async () => !(await bus.probe(300)));
    const status = bus.status();
    expect(status.connected).toBe(true);
    expect(status.readerAlive).toBe(false);
    expect(status.subscriptions).toEqual([expect.objectContaining({ subject: `${s}.guarded`, alive: false })]);
  });
});

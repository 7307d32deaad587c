import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandling } from './api-errors.js';
import { LiveFeed } from './live-feed.js';
import { liveRoutes, webRoutes } from './web-routes.js';

let app: FastifyInstance | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function build(opts: { assets?: string | null; feed?: LiveFeed | null }): FastifyInstance {
  const a = Fastify({ logger: false });
  installErrorHandling(a, { error: () => undefined });
  void a.register(webRoutes(opts.assets ?? null));
  void a.register(liveRoutes({ live: () => opts.feed ?? null }), { prefix: '/api/v1' });
  return a;
}

/** Reads SSE events from a live stream until `n` `snapshots` events have come. */
async function readEvents(url: string, n: number, onOpen: () => void): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(url);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const events: { event: string; data: unknown }[] = [];
  let text = '';
  onOpen();
  while (events.filter((e) => e.event === 'snapshots').length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    let cut: number;
    while ((cut = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, cut);
      text = text.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

describe('web routes', () => {
  it('serves the dashboard page at / with the bundle it names, and refuses other asset names', async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-'));
    writeFileSync(join(dir, 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'app.css'), 'body{}');
    app = build({ assets: dir });
    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="/assets/app.js">');
    expect(page.body).not.toMatch(/https?:\/\//);
    const js = await app.inject('/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log(1)');
    expect((await app.inject('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const other = await app.inject('/assets/..%2Fpackage.json');
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ error: { code: 'not_found' } });
    for (const name of ['hasOwnProperty', 'constructor', '__proto__', 'toString']) {
      const res = await app.inject(`/assets/${name}`);
      expect(res.statusCode, name).toBe(404);
    }
  });

  it('says the dashboard is not built rather than failing when the bundle is missing', async () => {
    app = build({ assets: null });
    const res = await app.inject('/assets/app.js');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'not_built' } });
  });

  it('answers 503 on the live stream before the engine has a feed', async () => {
    app = build({ feed: null });
    expect((await app.inject('/api/v1/live')).statusCode).toBe(503);
  });

  it('streams accepted snapshots as SSE, the latest per source coalesced, filtered by source, and unsubscribes on close', async () => {
    const feed = new LiveFeed();
    app = build({ feed });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const snap = (source: string, timestamp: number, v: number) => ({ source, timestamp, metrics: { cpu: v }, health: 'healthy' as const });
    const events = await readEvents(`${base}/api/v1/live?source=a`, 1, () => {
      setTimeout(() => {
        feed.publish([snap('a', 1000, 1), snap('b', 1000, 9)]);
        feed.publish([snap('a', 2000, 2)]);
      }, 50);
    });
    expect(events[0]).toEqual({ event: 'hello', data: { flush_ms: 1000, source: 'a' } });
    expect(events[1]).toEqual({ event: 'snapshots', data: [{ source: 'a', timestamp: 2000, health: 'healthy', metrics: { cpu: 2 } }] });
    await expect.poll(() => feed.size).toBe(0);
  });

  it('ends open streams when the app closes, so closing does not wait for them', async () => {
    const feed = new LiveFeed();
    app = build({ feed });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/api/v1/live`);
    await expect.poll(() => feed.size).toBe(1);
    const started = Date.now();
    await app.close();
    app = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(feed.size).toBe(0);
    await res.body?.cancel().catch(() => undefined);
  });
});

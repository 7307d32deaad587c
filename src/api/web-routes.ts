import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NAME_PATTERN } from '../model/metric-names.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import { ApiError, ERROR_RESPONSES } from './api-errors.js';
import type { LiveFeed } from './live-feed.js';

/** What the dashboard routes need: the live snapshot feed (null before the stages are built). */
export interface WebRouteDeps {
  live?(): LiveFeed | null;
}

/**
 * The built assets `npm run build` writes to dist/web (scripts/build-web.mjs), by name. A Map, not
 * an object literal: `/assets/constructor` or `/assets/hasOwnProperty` must name nothing.
 */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['app.js', 'text/javascript; charset=utf-8'],
  ['app.css', 'text/css; charset=utf-8'],
]);

/** Where the bundle is: next to this module once built (dist/api → dist/web), else dist/web of the checkout (tests run from src). */
export function webAssetDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')]) if (existsSync(join(dir, 'app.js'))) return dir;
  return null;
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>perf-engine dashboard</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header><a href="#/" class="brand">perf-engine</a><nav><a href="#/">Overview</a><a href="#/bottlenecks">Bottlenecks</a><a href="#/profiles">Profiles</a><a href="#/reports">Reports</a></nav><span id="live-state" title="live data over SSE">○ offline</span></header>
<main id="app"><p>Loading…</p></main>
<script type="module" src="/assets/app.js"></script>
</body>
</html>
`;

/** Most live streams open at once; each costs a listener on the fan-out and a timer. */
const MAX_STREAMS = 64;
/** Live snapshots are coalesced (the latest per source) and sent at most this often. */
const FLUSH_MS = 1000;
const HEARTBEAT_MS = 15_000;

/** The page and assets are sent as they are, never through the JSON serializer. */
const Page = Type.Unknown({ description: 'the dashboard page or one of its built assets' });

const LiveQuery = Type.Object(
  { source: Type.Optional(Type.String({ pattern: NAME_PATTERN, description: 'only this source (default: every source)' })) },
  { additionalProperties: false },
);

/** The dashboard page and its assets, served by the engine itself: no external network. */
export function webRoutes(assetDir: string | null = webAssetDir()): FastifyPluginAsyncTypebox {
  return async (app) => {
    const dir = assetDir;
    const cache = new Map<string, Buffer>();
    app.get('/', { schema: { response: { 200: Page } } }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(INDEX_HTML));
    app.get('/assets/:name', { schema: { params: Type.Object({ name: Type.String() }), response: { 200: Page, ...ERROR_RESPONSES } } }, async (req, reply) => {
      const type = ASSETS.get(req.params.name);
      if (!type) throw new ApiError(404, 'not_found', `no asset named "${req.params.name}" (the dashboard has ${[...ASSETS.keys()].join(', ')})`);
      if (!dir) throw new ApiError(503, 'not_built', 'the dashboard is not built: run npm run build');
      let body = cache.get(req.params.name);
      if (!body) cache.set(req.params.name, (body = readFileSync(join(dir, req.params.name))));
      return reply.type(type).header('cache-control', 'no-cache').send(body);
    });
  };
}

/**
 * `GET /api/v1/live`: the accepted snapshots as Server-Sent Events (`event: snapshots`, a JSON
 * array), the latest per source coalesced over a second, so a page with many charts costs one
 * connection and at most one message a second, never a polling storm.
 */
export function liveRoutes(deps: WebRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const open = new Set<() => void>();
    // A stream never ends by itself: end them all before the server closes, or close would wait for them.
    app.addHook('preClose', async () => {
      for (const end of open) end();
    });
    app.get('/live', { schema: { querystring: LiveQuery, response: ERROR_RESPONSES } }, async (req, reply) => {
      const feed = deps.live?.() ?? null;
      if (!feed) throw new ApiError(503, 'starting', 'the engine is still starting');
      if (feed.size >= MAX_STREAMS) throw new ApiError(503, 'busy', `too many live streams open (${MAX_STREAMS})`);
      const only = req.query.source;
      const pending = new Map<string, MetricSnapshot>();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ flush_ms: FLUSH_MS, source: only ?? null })}\n\n`);
      const unsubscribe = feed.subscribe((batch) => {
        for (const s of batch) if (only === undefined || s.source === only) pending.set(s.source, s);
      });
      const flush = setInterval(() => {
        if (pending.size === 0) return;
        const out = [...pending.values()].map((s) => ({ source: s.source, timestamp: s.timestamp, health: s.health ?? null, metrics: s.metrics }));
        pending.clear();
        res.write(`event: snapshots\ndata: ${JSON.stringify(out)}\n\n`);
      }, FLUSH_MS);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const close = () => {
        clearInterval(flush);
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
      };
      const end = () => {
        close();
        res.end();
      };
      open.add(end);
      req.raw.on('close', close);
      res.on('error', close);
    });
  };
}

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ERROR_RESPONSES } from './api-errors.js';

/** Where the exposition comes from: the slice of a prom-client `Registry` the route uses. */
export interface PrometheusSource {
  /** The media type of the text (`text/plain; version=0.0.4; charset=utf-8`). */
  readonly contentType: string;
  /** The exposition, collected now. */
  metrics(): Promise<string>;
}

/** An empty exposition, for an app built without the engine's metrics (tests of other routes). */
export const NO_METRICS: PrometheusSource = { contentType: 'text/plain; version=0.0.4; charset=utf-8', metrics: async () => '' };

/**
 * `GET /metrics`: the Prometheus text exposition (docs/metrics.md, "Prometheus"). Collected at
 * scrape time from the stages' counters, so serving it costs nothing between scrapes. It answers
 * in every phase: while the engine starts it shows what exists so far.
 */
export function prometheusRoute(source: PrometheusSource): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          description: "The engine's own counters and histograms and the latest host and process gauges, in the Prometheus text format.",
          response: {
            200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
            ...ERROR_RESPONSES,
          },
        },
      },
      async (_req, reply) => {
        const text = await source.metrics();
        return reply.type(source.contentType).send(text);
      },
    );
  };
}

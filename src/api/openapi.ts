import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ERROR_RESPONSES } from './api-errors.js';

/** The document's header: what the API is and how to authenticate. */
const DOCUMENT = {
  // 3.1: its schemas are JSON Schema, as the route schemas are (numeric exclusiveMinimum, null in unions).
  openapi: '3.1.0',
  info: {
    title: 'perf-engine HTTP API',
    version: '1',
    description:
      'The Performance Engine Agent: status, metrics, alerts, profiles and bottlenecks. Errors answer {"error": {"code", "message"}}. ' +
      'With http_read_token / http_write_token set, reading routes need a bearer token of either scope and state-changing routes the write token; /healthz and /readyz stay open.',
  },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  security: [{ bearer: [] }],
} as const;

/** Keywords of the API's own ajv (api-schemas.ts) that OpenAPI does not know: shown as `x-` extensions. */
const OWN_KEYWORDS = ['finite'];

/** Renames the API's own schema keywords (boolean-valued, unlike a property of that name) to `x-<keyword>`, in place. */
function vendorKeywords(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) vendorKeywords(item);
    return;
  }
  const obj = node as Record<string, unknown>;
  for (const k of OWN_KEYWORDS) {
    if (typeof obj[k] === 'boolean') {
      obj[`x-${k}`] = obj[k];
      delete obj[k];
    }
  }
  for (const v of Object.values(obj)) vendorKeywords(v);
}

/**
 * Installs the OpenAPI generator on the root app. It records every route added after it, with
 * its schemas, so it is registered before any route.
 */
export function installOpenApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: DOCUMENT as never,
    transformObject: (doc) => {
      const openapi = 'openapiObject' in doc ? doc.openapiObject : doc.swaggerObject;
      vendorKeywords(openapi);
      return openapi;
    },
  });
}

/** `GET /openapi.json`: the OpenAPI 3 document generated from the route schemas, every route in it. */
export function openApiRoute(): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/openapi.json',
      { schema: { description: 'This document: every route of the API with its parameters, bodies and answers.', response: { 200: Type.Object({}, { additionalProperties: true }), ...ERROR_RESPONSES } } },
      async () => app.swagger(),
    );
  };
}

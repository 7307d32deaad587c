import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { isLoopbackHost } from '../config/http-access.js';
import { ApiError } from './api-errors.js';

/** What a route does: reads, or changes state. */
export const ACCESS_SCOPES = ['read', 'write'] as const;
/** A route's scope; the write token grants both. */
export type AccessScope = (typeof ACCESS_SCOPES)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's scope when its method does not say it: a POST that only reads (a query with a
     * long body, as Grafana sends them) declares `scope: 'read'`.
     */
    scope?: AccessScope;
  }
}

/** The tokens in force; null leaves that scope open (the engine refuses to listen beyond loopback without them). */
export interface HttpAccess {
  readonly readToken: string | null;
  readonly writeToken: string | null;
}

/** No token at all: everything open, as on loopback by default. */
export const OPEN_ACCESS: HttpAccess = Object.freeze({ readToken: null, writeToken: null });

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scope of a request: the route's declared one, else read for GET, HEAD and OPTIONS and write for the rest. */
export function scopeOf(req: FastifyRequest): AccessScope {
  return req.routeOptions.config.scope ?? (SAFE_METHODS.has(req.method) ? 'read' : 'write');
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Compares in constant time: both sides are hashed first, so the comparison never depends on
 * where the strings differ or on how long the expected one is.
 */
function matches(given: Buffer | null, expected: Buffer | null): boolean {
  return given !== null && expected !== null && timingSafeEqual(given, expected);
}

/** The token of an `Authorization: Bearer <token>` header; null without one. */
function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

function refuse(reply: FastifyReply, status: 401 | 403, error: string | null, message: string): ApiError {
  reply.header('www-authenticate', `Bearer realm="perf-engine"${error ? `, error="${error}"` : ''}`);
  return new ApiError(status, status === 401 ? 'unauthorized' : 'forbidden', message);
}

/**
 * Checks the bearer token of every request against the route's scope (RFC 6750 answers): no
 * token where one is needed, or a wrong one, is 401 `unauthorized`; the read token on a
 * state-changing route is 403 `forbidden`. Without a write token, state-changing requests are
 * accepted from loopback addresses only, whatever address the server listens on. The tokens are
 * read from `access` per request (hashed once per change); null means not known yet: 503.
 */
export function accessCheck(access: () => HttpAccess | null): onRequestHookHandler {
  let known: { readonly of: HttpAccess; readonly read: Buffer | null; readonly write: Buffer | null } | null = null;
  return async (req, reply) => {
    const a = access();
    if (a === null) throw new ApiError(503, 'starting', 'the engine is still starting; retry in a moment');
    if (known?.of !== a) known = { of: a, read: a.readToken === null ? null : digest(a.readToken), write: a.writeToken === null ? null : digest(a.writeToken) };
    const { read, write } = known;
    const scope = scopeOf(req);
    if (scope === 'read' && read === null) return;
    const token = bearerToken(req.headers.authorization);
    const given = token === null ? null : digest(token);
    if (matches(given, write)) return;
    if (scope === 'write' && write === null) {
      if (isLoopbackHost(req.socket.remoteAddress ?? '')) return;
      throw refuse(reply, 403, null, 'this route changes state and the engine has no http_write_token: it answers only on loopback');
    }
    const isRead = matches(given, read);
    if (scope === 'read' && isRead) return;
    if (isRead) throw refuse(reply, 403, 'insufficient_scope', 'this route changes state: it needs the write token, not the read token');
    if (given === null) throw refuse(reply, 401, null, `this route needs a bearer token (Authorization: Bearer <${scope} token>)`);
    throw refuse(reply, 401, 'invalid_token', 'the bearer token is not valid');
  };
}

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { unstorableTextAt, unstorableTextReason } from '../wire/storable-text.js';

/** The body of every error answer: a stable code a client can branch on, and a sentence for people. */
export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { description: 'an error: stable `code`, human `message`; never a stack or a database message' },
);
/** An error answer's body. */
export type ErrorBody = Static<typeof ErrorBody>;

/** Response schemas of the error statuses, to spread into a route's `response`. */
export const ERROR_RESPONSES = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

/** An error a route means to answer with: HTTP status, stable code and a message safe to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A 404 for an id that names nothing. */
export function notFound(message: string): ApiError {
  return new ApiError(404, 'not_found', message);
}

/**
 * Refuses (400) a path parameter, query parameter or body field holding NUL or an unpaired
 * surrogate, before the route runs: PostgreSQL would refuse it later, as a 500 after part of the
 * work was done.
 */
export function refuseUnstorableText(params: unknown, query: unknown, body: unknown): void {
  const inPath = unstorableTextAt(params);
  if (inPath !== null) throw badRequest(unstorableTextReason(`path parameter "${inPath}"`));
  const inQuery = unstorableTextAt(query);
  if (inQuery !== null) throw badRequest(unstorableTextReason(`query parameter "${inQuery}"`));
  const inBody = unstorableTextAt(body);
  if (inBody !== null) throw badRequest(unstorableTextReason(`body field "${inBody}"`));
}

/** A 400 for input the schemas cannot express (time arguments, ranges across fields). */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'bad_request', message);
}

/** What the error handler logs to: the slice of pino it uses. */
export interface ErrorLog {
  error(obj: object, msg: string): void;
}

/** Codes of the 4xx answers fastify itself makes (bad JSON, wrong media type, body too large). */
const CLIENT_CODES: Readonly<Record<number, string>> = { 400: 'bad_request', 404: 'not_found', 405: 'method_not_allowed', 413: 'too_large', 415: 'unsupported_media_type' };

const WHERE: Readonly<Record<string, string>> = { querystring: 'query parameter', params: 'path parameter', body: 'body field', headers: 'header' };

/** `/target/pid` -> `target.pid`. */
function fieldOf(e: FastifySchemaValidationError): string {
  return e.instancePath.replace(/^\//, '').replace(/\//g, '.');
}

/**
 * One sentence naming the field for a validation failure. ajv reports every branch of a union
 * (`anyOf` of constants gives one error per constant); they are folded into one "must be one of".
 */
function validationMessage(context: string | undefined, errors: readonly FastifySchemaValidationError[]): string {
  const where = WHERE[context ?? ''] ?? 'input';
  const union = errors.find((e) => e.keyword === 'anyOf');
  const e = union ?? errors[0];
  if (!e) return `invalid ${where}`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return `${where} "${fieldOf(e) ? `${fieldOf(e)}.` : ''}${String(params.missingProperty)}" is required`;
  if (e.keyword === 'additionalProperties') return `unknown ${where} "${String(params.additionalProperty)}"`;
  if (!fieldOf(e) && e.keyword === 'type') return `the ${context ?? 'input'} ${e.message ?? 'has the wrong type'}`;
  const field = fieldOf(e) || context || 'input';
  if (e.keyword === 'enum') return `${where} "${field}" must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
  if (union) {
    const allowed = errors.filter((x) => x.keyword === 'const' && x.instancePath === union.instancePath).map((x) => String((x.params as { allowedValue: unknown }).allowedValue));
    if (allowed.length > 0) return `${where} "${field}" must be one of: ${allowed.join(', ')}`;
    return `${where} "${field}" matches none of its accepted forms`;
  }
  return `${where} "${field}" ${e.message ?? 'is invalid'}`;
}

function send(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } } satisfies ErrorBody);
}

/**
 * Installs the API's one error handler and its 404: schema failures answer 400 `bad_request`
 * naming the field, ApiErrors answer as they say, fastify's own 4xx keep their status, and
 * anything else is a 500 `internal` with a generic sentence, its stack logged once and never sent.
 */
export function installErrorHandling(app: FastifyInstance, log: ErrorLog): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiError) return send(reply, err.statusCode, err.code, err.message);
    if (err.validation) return send(reply, 400, 'bad_request', validationMessage(err.validationContext, err.validation));
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return send(reply, status, CLIENT_CODES[status] ?? 'bad_request', err.message);
    log.error({ err, method: req.method, url: req.url }, 'HTTP request failed');
    return send(reply, 500, 'internal', 'internal error; the engine log has the details');
  });
  app.setNotFoundHandler((req, reply) => send(reply, 404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
}

/**
 * fastify's router refuses some paths before any route or error handler runs (a path parameter
 * over 100 characters, a path that is not valid percent-encoding) and by default answers them in
 * its own shape (`statusCode`, `FST_ERR_...`). This `frameworkErrors` option answers them in the
 * API's error shape instead, and in Prometheus's under `/prometheus`.
 */
export function routerErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const status = tooLong ? 414 : 400;
  const message = tooLong ? 'a path parameter is longer than 100 characters' : 'the path is not valid percent-encoding';
  if (req.url.startsWith('/prometheus/')) return reply.code(status).send({ status: 'error', errorType: 'bad_data', error: message });
  return send(reply, status, tooLong ? 'too_long' : 'bad_request', message);
}

/** What a client error leaves to answer on: the raw connection. */
interface RawConnection {
  readonly destroyed: boolean;
  readonly writable: boolean;
  write(text: string): unknown;
  destroy(): unknown;
}

const CLIENT_ERROR_ANSWERS: Readonly<Record<string, readonly [number, string, string, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'too_large', 'the request line and headers are larger than 16 KiB; send fewer or shorter query parameters and headers'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'timeout', 'the request was not received in time'],
};

/**
 * Node's HTTP parser refuses some requests before fastify sees them (headers over 16 KiB, broken
 * HTTP, a request that never ends). This `clientErrorHandler` answers them in the API's error shape
 * (Prometheus's when the request line names `/prometheus/`) and closes the connection, as Node does.
 */
export function clientErrors(err: Error & { code?: string; rawPacket?: unknown }, socket: RawConnection): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] = CLIENT_ERROR_ANSWERS[err.code ?? ''] ?? [400, 'Bad Request', 'bad_request', 'the request is not valid HTTP/1.1'];
  const head = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.subarray(0, 32).toString('latin1') : '';
  const prometheus = /^[A-Z]+ \/prometheus\//.test(head);
  const body = JSON.stringify(prometheus ? { status: 'error', errorType: 'bad_data', error: message } : ({ error: { code, message } } satisfies ErrorBody));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.destroy();
}

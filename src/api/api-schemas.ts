import type { Ajv } from 'ajv';
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { UUID_PATTERN } from '../alert/stage/alert-commands.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import { badRequest } from './api-errors.js';

/**
 * A string from a closed set as one `enum` keyword. TypeBox's union of literals compiles to an
 * `anyOf` of `const`s, and ajv then reports one error per member for a single bad value.
 */
export function stringEnum<T extends string>(values: readonly T[], options: { description?: string; default?: T } = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

/** `T` or null. */
export function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** Path parameters of routes on one stored item. */
export const IdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN, description: 'a UUID' }) });

/** An optional `limit` query parameter from 1 to `max`. */
export function limitParam(max: number, description = `most items returned, 1-${max}`) {
  return Type.Optional(Type.Integer({ minimum: 1, maximum: max, finite: true, description }));
}

/** A time query parameter, read by `timeParam`. */
export function timeArg(description = TIME_ARG_HELP) {
  return Type.Optional(Type.String({ minLength: 1, maxLength: 64, description }));
}

/**
 * ajv plugin adding the `finite` keyword. Query strings are coerced to numbers, `1e309` becomes
 * Infinity, and ajv skips `minimum`/`maximum` for non-finite numbers, so without this a limit of
 * Infinity passed validation and reached the database.
 */
export function finiteNumbers(ajv: Ajv): Ajv {
  return ajv.addKeyword({
    keyword: 'finite',
    schemaType: 'boolean',
    validate: (on: boolean, data: unknown) => !on || typeof data !== 'number' || Number.isFinite(data),
    error: { message: 'must be a finite number' },
  });
}

/** Latest instant a JavaScript Date holds (PostgreSQL's timestamptz reaches further). */
const MAX_TIME_MS = 8.64e15;

/**
 * Reads a time query parameter (see TIME_ARG_HELP) to epoch ms; throws a 400 naming the field when
 * it is malformed or falls outside 1970 to year 275760, which would otherwise fail in the database.
 */
export function timeParam(field: string, text: string, now: number): number {
  const ms = parseTimeArg(text, now);
  if (Number.isNaN(ms)) throw badRequest(`query parameter "${field}": expected ${TIME_ARG_HELP}`);
  if (!(ms >= 0 && ms <= MAX_TIME_MS)) throw badRequest(`query parameter "${field}": ${text} is out of range (1970 to year 275760)`);
  return ms;
}

/** A schema node as the query-string walk below reads it. */
type SchemaNode = { type?: unknown; finite?: boolean; properties?: Record<string, SchemaNode>; items?: SchemaNode; anyOf?: SchemaNode[] };

/**
 * Adds `finite: true` to every number and integer of a query-string schema, so that no route can
 * forget it: `?limit=Infinity` or `?limit=1e309` coerce to Infinity, which `maximum` lets through.
 */
export function requireFiniteNumbers(schema: unknown): void {
  const node = schema as SchemaNode | undefined;
  if (!node || typeof node !== 'object') return;
  if ((node.type === 'number' || node.type === 'integer') && node.finite === undefined) node.finite = true;
  for (const child of Object.values(node.properties ?? {})) requireFiniteNumbers(child);
  requireFiniteNumbers(node.items);
  for (const branch of node.anyOf ?? []) requireFiniteNumbers(branch);
}

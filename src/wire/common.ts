import { Type, type TLiteral, type TUnion } from '@sinclair/typebox';
import { NAME_PATTERN } from '../model/metric-names.js';
import { parseRfc3339 } from '../model/time.js';

/** A source, agent or metric name (PROTOCOL.md general rules). */
export const Name = Type.String({ pattern: NAME_PATTERN, description: '1-128 characters of A-Z a-z 0-9 _ . : -' });

/** RFC 3339 date-time with a time zone (Z or an offset). */
export const RFC3339_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

/** Inbound timestamp: RFC 3339 string or integer epoch milliseconds. */
export const InboundTimestamp = Type.Union(
  [
    Type.String({ pattern: RFC3339_PATTERN, description: 'RFC 3339 date-time' }),
    Type.Integer({ minimum: 0, maximum: 253402300799999, description: 'epoch milliseconds' }),
  ],
  { description: 'RFC 3339 string or integer epoch milliseconds' },
);

/** Outbound timestamp: the engine always emits RFC 3339 UTC with milliseconds. */
export const OutboundTimestamp = Type.String({ format: 'date-time', description: 'RFC 3339 UTC with milliseconds' });

/** Reply to a request: success with extra fields, or a coded error. */
export const Reply = Type.Union([
  Type.Object({ ok: Type.Literal(true) }, { additionalProperties: true }),
  Type.Object({
    ok: Type.Literal(false),
    error: Type.Object({ code: Type.String(), message: Type.String() }),
  }),
]);

/** Parses an inbound timestamp already validated by `InboundTimestamp`; NaN when not a real date (`2026-02-30`, `T24:00`). */
export function parseInboundTimestamp(ts: string | number): number {
  return typeof ts === 'number' ? ts : parseRfc3339(ts);
}

/** A schema accepting exactly one of `values` (a closed set of `src/model/`), with an optional description. */
export function literalUnion<T extends string>(values: readonly T[], description?: string): TUnion<TLiteral<T>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});
}

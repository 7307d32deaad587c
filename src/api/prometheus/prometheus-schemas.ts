import { Type, type TSchema } from '@sinclair/typebox';

const Str = Type.Optional(Type.String());
const Match = Type.Optional(Type.Array(Type.String(), { description: 'series selectors; repeat for several' }));

/** Parameters of `query` (query string or form body); others are ignored, as Prometheus does. */
export const QueryParams = Type.Object({ query: Str, time: Str, timeout: Str, limit: Str }, { additionalProperties: true });
/** Parameters of `query_range`. */
export const QueryRangeParams = Type.Object({ query: Str, start: Str, end: Str, step: Str, timeout: Str, limit: Str }, { additionalProperties: true });
/** Parameters of `labels`, `label/<name>/values` and `series`. */
export const MetaParams = Type.Object({ 'match[]': Match, start: Str, end: Str, limit: Str }, { additionalProperties: true });
/** Path parameter of `label/<name>/values`. */
export const LabelPath = Type.Object({ name: Type.String() });

const Labels = Type.Record(Type.String(), Type.String());
const Sample = Type.Tuple([Type.Number({ description: 'Unix seconds' }), Type.String({ description: 'value, as Prometheus formats it' })]);

/** `{"status": "success", "data": ...}`. */
export function success<T extends TSchema>(data: T) {
  return Type.Object({ status: Type.Literal('success'), data, warnings: Type.Optional(Type.Array(Type.String())) });
}

/** A `matrix` result. */
export const Matrix = Type.Object({ resultType: Type.Literal('matrix'), result: Type.Array(Type.Object({ metric: Labels, values: Type.Array(Sample) })) });
/** A `vector` result. */
export const Vector = Type.Object({ resultType: Type.Literal('vector'), result: Type.Array(Type.Object({ metric: Labels, value: Sample })) });
/** A `scalar` result. */
export const Scalar = Type.Object({ resultType: Type.Literal('scalar'), result: Sample });

/** Label names or values. */
export const StringList = Type.Array(Type.String());
/** Label sets of series. */
export const LabelSets = Type.Array(Labels);

/** Prometheus's error answer. */
export const PromError = Type.Object(
  { status: Type.Literal('error'), errorType: Type.String(), error: Type.String() },
  { description: 'errorType: bad_data (400), execution (422), unavailable (503), not_found (404), internal (500)' },
);

/** Response schemas of the error statuses. */
export const PROM_ERRORS = { '4xx': PromError, '5xx': PromError } as const;

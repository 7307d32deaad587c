import fc from 'fast-check';
import { INJECTIONS, PROTOTYPE_KEYS, deepValue, jsonText, notAnObject, numberTokens, obj, raw, weirdString, weirdValue, type J } from './adversarial-json.js';

/** One parameter of a route, as its OpenAPI document declares it. */
export interface HttpParam {
  readonly in: 'query' | 'path';
  readonly name: string;
  readonly schema: Schema;
}

/** The slice of JSON Schema the generators read. */
export interface Schema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly Schema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
}

/** One HTTP route of the engine. */
export interface HttpRoute {
  readonly method: string;
  /** The OpenAPI path, `{name}` for a path parameter. */
  readonly path: string;
  readonly params: readonly HttpParam[];
  /** The JSON body's schema, null when the route takes none. */
  readonly body: Schema | null;
}

/** One generated request: the URL is already encoded (it may hold raw, invalid percent sequences on purpose). */
export interface HttpCase {
  readonly kind: string;
  readonly method: string;
  /** Path and query, e.g. `/api/v1/series?source=%00`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** The slice of the OpenAPI document read here. */
export type OpenApiDoc = { paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>> };

/** Every route in the engine's OpenAPI document (and the health routes, should it leave them out). */
export function routesOf(doc: OpenApiDoc): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters ?? []).filter((p) => p.in === 'query' || p.in === 'path').map((p) => ({ in: p.in as 'query' | 'path', name: p.name, schema: p.schema }));
      routes.push({ method: method.toUpperCase(), path, params, body: op.requestBody?.content['application/json']?.schema ?? null });
    }
  }
  for (const path of ['/healthz', '/readyz']) if (!routes.some((r) => r.path === path)) routes.push({ method: 'GET', path, params: [], body: null });
  return routes;
}

const utf8 = new TextEncoder();

/** Percent-encodes every byte of the UTF-8 form outside the unreserved set (a lone surrogate becomes U+FFFD, as a client would send it). */
export function encodeComponent(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) out += /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Text a query or path value should survive: numbers that overflow, impossible dates, injections, odd unicode. */
const weirdText = fc.oneof(
  fc.constantFrom(
    '1e309', '-1e309', 'NaN', 'Infinity', '-Infinity', '-1', '0', '1.5', '99999999999999999999999', '9007199254740993', '0x10', '1e3', ' 1', '',
    '2026-02-30T00:00:00Z', '2026-11-23T24:00:00Z', '0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z', '275761-01-01T00:00:00Z', '9999999999999999',
    '-9999999999999999', '99999999999d', '1e309s', '-1h', '0s', 'now-1h', 'yesterday', 'true', 'null', '[]', '{}', '*', '?', '**', 'a=b', 'a="b"',
    'up{job="x"}', 'rate(x[5m])', 'x{a=~".*"}', '{__name__=~".+"}', 'sum by (a) (x)',
  ),
  weirdString,
  fc.constantFrom(...INJECTIONS, ...PROTOTYPE_KEYS),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer({ min: 200, max: 6000 }).map((n) => 'x'.repeat(n)),
);

/** Raw query text that is not valid percent-encoding, or odd in another way, inserted as is. */
const rawQueryPiece = fc.constantFrom('%', '%zz', '%ff%fe', '%00', '%C0%AF', '%ED%A0%80', '&&', '=', '==x', '&=', '+', '%2B', '[]=1', 'a[b]=c', 'a[__proto__][x]=1');

/** A plausible value for a declared parameter, so that generated requests also reach the route's logic. */
function plausible(schema: Schema, name: string): fc.Arbitrary<string> {
  const enums = [...(schema.enum ?? []), ...(schema.anyOf ?? []).flatMap((s) => s.enum ?? [])];
  if (enums.length > 0) return fc.constantFrom(...enums.map(String));
  if (schema.type === 'integer' || schema.type === 'number') return fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1000, 1000) }).map(String);
  if (schema.type === 'boolean') return fc.constantFrom('true', 'false');
  if (schema.type === 'array') return plausible(schema.items ?? {}, name);
  if (schema.pattern?.includes('[0-9a-fA-F]{8}')) return fc.uuid().map(String);
  if (/since|until|start|end|time|^at$/.test(name)) return fc.constantFrom('1h', '15m', 'now', '7d', new Date(Date.now() - 3_600_000).toISOString(), String(Date.now() - 60_000));
  if (name === 'step') return fc.constantFrom('15s', '1m', '60', '0.5');
  if (name === 'query' || name === 'match[]') return fc.constantFrom('up', 'cpu_usage', 'cpu_usage{source="a"}', 'rate(cpu_usage[5m])');
  if (name === 'label') return fc.constantFrom('env=prod', 'a=b');
  return fc.stringMatching(/^[A-Za-z0-9_.:-]{1,16}$/);
}

const paramValue = (p: HttpParam) => fc.oneof({ weight: 2, arbitrary: plausible(p.schema, p.name) }, { weight: 3, arbitrary: weirdText });

/** The query string of a case: declared parameters plausible or hostile, repeated, unknown ones, raw pieces. */
function queryOf(route: HttpRoute): fc.Arbitrary<string> {
  const declared = route.params.filter((p) => p.in === 'query');
  const pieces = fc.array(
    fc.oneof(
      ...(declared.length > 0 ? [{ weight: 6, arbitrary: fc.tuple(fc.constantFrom(...declared), fc.integer({ min: 1, max: 3 })).chain(([p, times]) => fc.array(paramValue(p), { minLength: times, maxLength: times }).map((vs) => vs.map((v) => `${encodeComponent(p.name)}=${encodeComponent(v)}`).join('&'))) }] : []),
      { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, 'format', 'limit', 'x'.repeat(300)), weirdText), weirdText).map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`) },
      { weight: 1, arbitrary: rawQueryPiece },
    ),
    { maxLength: 6 },
  );
  return pieces.map((ps) => (ps.length > 0 ? `?${ps.join('&')}` : ''));
}

/** The path with each `{name}` filled: a plausible value, hostile text, or traversal. */
function pathOf(route: HttpRoute): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const one = (name: string) => {
    const p = route.params.find((x) => x.in === 'path' && x.name === name) ?? { in: 'path' as const, name, schema: {} };
    return fc.oneof(
      plausible(p.schema, name).map(encodeComponent),
      weirdText.filter((t) => t.length > 0).map(encodeComponent),
      fc.constantFrom('..%2F..%2Fpackage.json', '%2e%2e%2f%2e%2e%2fpackage.json', '..%5C..%5Cpackage.json', 'index.html%00.js', '%00', '%', '%ff', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ', '00000000-0000-0000-0000-000000000000'),
    );
  };
  return fc.tuple(...names.map(one)).map((values) => names.reduce((path, name, i) => path.replace(`{${name}}`, values[i]!), route.path));
}

/** A member value that matches the declared schema, roughly. */
function plausibleJson(schema: Schema, name: string): fc.Arbitrary<J> {
  if (schema.type === 'object' || schema.properties) return plausibleObject(schema);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => plausibleJson(s, name)));
  if (schema.type === 'boolean') return fc.boolean();
  if (schema.type === 'integer' || schema.type === 'number') return name === 'pid' ? fc.constantFrom(1, 2, 999_999, process.pid) : fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1000, 1000) });
  if (schema.type === 'array') return fc.array(plausibleJson(schema.items ?? {}, name), { maxLength: 3 });
  return plausible(schema, name);
}

function plausibleObject(schema: Schema): fc.Arbitrary<J> {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return fc.constant(obj([]));
  const required = new Set(schema.required ?? []);
  return fc
    .tuple(...props.map(([k, s]) => fc.tuple(fc.constant(k), plausibleJson(s, k), fc.boolean())))
    .map((members) => obj(members.filter(([k, , keep]) => keep || required.has(k)).map(([k, v]) => [k, v] as const)));
}

type Entries = readonly (readonly [string, J])[];
const entriesOf = (v: J): Entries => (v !== null && typeof v === 'object' && !Array.isArray(v) && 'entries' in v ? (v as { entries: Entries }).entries : []);

/** A JSON body: the plausible object, hostile members in it, or no object at all. */
function bodyOf(schema: Schema): fc.Arbitrary<{ kind: string; body: string | Uint8Array }> {
  const names = Object.keys(schema.properties ?? {});
  const member = names.length > 0 ? fc.oneof(fc.constantFrom(...names), fc.constantFrom(...PROTOTYPE_KEYS), weirdString) : fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), weirdString);
  const hostile = fc.oneof(weirdValue, numberTokens, deepValue, fc.constantFrom<J>(raw('{"__proto__":{"isAdmin":true}}'), raw('{"constructor":{"prototype":{"x":1}}}')));
  const changed = fc.tuple(plausibleObject(schema), fc.array(fc.tuple(member, hostile), { minLength: 1, maxLength: 3 })).map(([base, extra]) => {
    const own = entriesOf(base).filter(([k]) => !extra.some(([e]) => e === k));
    return { kind: `body members ${extra.map(([k]) => JSON.stringify(k).slice(0, 20)).join(',')}`, body: jsonText(obj([...own, ...extra])) };
  });
  return fc.oneof(
    { weight: 2, arbitrary: plausibleObject(schema).map((b) => ({ kind: 'plausible body', body: jsonText(b) })) },
    { weight: 4, arbitrary: changed },
    { weight: 2, arbitrary: notAnObject.map((n) => ({ kind: 'body not an object', body: n.bytes })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }).map((mib) => ({ kind: `body of ${mib} MiB`, body: `{"source":"${'a'.repeat(mib * 2 ** 20)}"}` })) },
  );
}

const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json, text/plain', ';;;', '*/*',
] as const;

/** Header values fetch can send (latin1, no CR/LF), hostile in content. */
const headerValue = fc.oneof(
  fc.constantFrom("'; DROP TABLE alert_silences; --", '${jndi:ldap://x}', '../../etc/passwd', '%00', 'x'.repeat(8000), '\u00ff\u00fe', 'Bearer ', 'Bearer x', 'Basic Zm9vOmJhcg==', ''),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 64 }),
);

/** Extra request headers: auth, accept, forwarding, encodings, cookies. */
const extraHeaders = fc
  .array(fc.tuple(fc.constantFrom('authorization', 'accept', 'x-forwarded-for', 'x-forwarded-host', 'forwarded', 'cookie', 'accept-encoding', 'content-encoding', 'x-request-id', 'last-event-id', 'origin'), headerValue), { maxLength: 3 })
  .map((hs) => Object.fromEntries(hs));

/** Generated requests for one route: its query, path, body and headers, each plausible or hostile. */
export function httpCases(route: HttpRoute): fc.Arbitrary<HttpCase> {
  const takesBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH' || route.method === 'DELETE';
  const body = takesBody
    ? fc.option(fc.tuple(bodyOf(route.body ?? { type: 'object' }), fc.constantFrom(...CONTENT_TYPES)), { nil: undefined, freq: 8 })
    : fc.constant(undefined);
  return fc.tuple(pathOf(route), queryOf(route), body, extraHeaders).map(([path, query, b, headers]): HttpCase => {
    const withBody = b !== undefined;
    const kind = `${route.method} ${route.path}: ${withBody ? `${b[0].kind} as ${b[1]}` : 'no body'}, query ${query.length} chars, headers ${Object.keys(headers).join(',') || 'none'}`;
    return {
      kind,
      method: route.method,
      url: `${path}${query}`,
      headers: { ...headers, ...(withBody ? { 'content-type': b[1] } : {}) },
      ...(withBody ? { body: b[0].body } : {}),
    };
  });
}

import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_FINDINGS, DELIVERY_SEVERITIES, GROUP_FIELDS, RECEIVER_TYPES } from '../model/delivery.js';
import { NAME_PATTERN } from '../model/metric-names.js';

/** A union of string literals, typed as the union of their values. */
const literals = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), { description }));
const Glob = Type.String({ minLength: 1, maxLength: 256 });
const Globs = (description: string) => Type.Optional(Type.Union([Glob, Type.Array(Glob, { minItems: 1, maxItems: 50 })], { description }));

/** Which notices a receiver gets: every field present must match (a list matches any of its entries). */
export const ReceiverMatchSchema = Type.Object(
  {
    severity: Type.Optional(Type.Array(literals(DELIVERY_SEVERITIES, 'a severity'), { minItems: 1, description: 'severities delivered' })),
    source: Globs('globs on the source name (* and ?)'),
    kind: Globs('globs on the kind: the metric of an alert, the kind of a bottleneck, the action of an optimization'),
    finding: Type.Optional(Type.Array(literals(DELIVERY_FINDINGS, 'a finding'), { minItems: 1, description: 'findings delivered' })),
  },
  { additionalProperties: false },
);
/** A receiver's match rules. */
export type ReceiverMatch = Static<typeof ReceiverMatchSchema>;

/** One place findings are delivered to (docs/delivery.md). */
export const ReceiverSchema = Type.Object(
  {
    name: Type.String({ pattern: NAME_PATTERN, description: 'unique name, shown in status and logs (the URL never is)' }),
    type: literals(RECEIVER_TYPES, 'alertmanager (its v2 API), webhook (JSON, Alertmanager webhook shape) or slack (text and blocks)'),
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL: the Alertmanager base URL, or the webhook URL (secret: masked)' }),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 4096 }), {
        maxProperties: 20,
        description: 'extra request headers, e.g. Authorization (values are secrets: masked)',
      }),
    ),
    match: Type.Optional(ReceiverMatchSchema),
    group_by: Type.Optional(Type.Array(literals(GROUP_FIELDS, 'a field'), { maxItems: GROUP_FIELDS.length, description: 'fields whose values make a group' })),
    group_wait_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, description: 'a new group waits this long for more notices' })),
    group_interval_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86400, description: 'a group that was sent waits this long before its next send' })),
    send_resolved: Type.Optional(Type.Boolean({ description: 'deliver resolutions too (default true)' })),
  },
  { additionalProperties: false },
);
/** A configured receiver. */
export type ReceiverConfig = Static<typeof ReceiverSchema>;

/** The delivery keys of the configuration schema (docs/delivery.md); none is live. */
export const DELIVERY_KEYS = {
  delivery_receivers: Type.Array(ReceiverSchema, {
    maxItems: 20,
    description: 'Local only. Where alerts, bottlenecks and optimization verdicts are delivered beyond NATS (docs/delivery.md).',
  }),
  delivery_queue_max: Type.Integer({
    minimum: 1,
    maximum: 100000,
    description: 'Notices waiting for one receiver beyond which the oldest are dropped (and counted).',
  }),
  delivery_max_attempts: Type.Integer({
    minimum: 1,
    maximum: 100,
    description: 'Attempts of one send before its notices become dead letters.',
  }),
  delivery_backoff_initial_ms: Type.Integer({
    minimum: 10,
    maximum: 600000,
    description: 'Backoff ceiling after the first failed attempt; doubled after each, with full jitter.',
  }),
  delivery_backoff_max_ms: Type.Integer({
    minimum: 10,
    maximum: 3600000,
    description: 'Longest wait between two attempts (also caps a Retry-After).',
  }),
  delivery_timeout_seconds: Type.Number({
    minimum: 0.1,
    maximum: 300,
    description: 'Longest time one HTTP request may take.',
  }),
  delivery_resend_seconds: Type.Number({
    minimum: 1,
    maximum: 3600,
    description: 'Firing alerts are posted to Alertmanager again this often, so that it does not expire them (they expire after four intervals without a post).',
  }),
  delivery_external_url: Type.Union([Type.String({ minLength: 1, maxLength: 2048 }), Type.Null()], {
    description: "Base URL of the engine's HTTP API as receivers should link to it (generatorURL); null: http://<http_host>:<http_port>.",
  }),
};

/** Defaults of the delivery keys. */
export const DELIVERY_DEFAULTS = {
  delivery_receivers: [] as ReceiverConfig[],
  delivery_queue_max: 1000,
  delivery_max_attempts: 8,
  delivery_backoff_initial_ms: 1000,
  delivery_backoff_max_ms: 60000,
  delivery_timeout_seconds: 10,
  delivery_resend_seconds: 60,
  delivery_external_url: null as string | null,
};

/**
 * A problem of the delivery keys beyond their shape: `[key, value, allowed]`. A problem between two
 * keys is given from each side (`pair` names the other), so the caller can blame the one that was
 * set rather than the one left at its default.
 */
export type DeliveryProblem = readonly [key: string, value: unknown, allowed: string, pair?: string];

function httpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Checks what the schema cannot: unique receiver names, http(s) URLs, a backoff that grows. */
export function deliveryProblems(c: {
  delivery_receivers: readonly ReceiverConfig[];
  delivery_external_url: string | null;
  delivery_backoff_initial_ms: number;
  delivery_backoff_max_ms: number;
}): DeliveryProblem[] {
  const problems: DeliveryProblem[] = [];
  const names = new Set<string>();
  c.delivery_receivers.forEach((r, i) => {
    if (names.has(r.name)) problems.push([`delivery_receivers/${i}/name`, r.name, 'a name no other receiver has']);
    names.add(r.name);
    if (!httpUrl(r.url)) problems.push([`delivery_receivers/${i}/url`, '***', 'an http:// or https:// URL']);
  });
  if (c.delivery_external_url !== null && !httpUrl(c.delivery_external_url)) {
    problems.push(['delivery_external_url', c.delivery_external_url, 'an http:// or https:// URL, or null']);
  }
  if (c.delivery_backoff_initial_ms > c.delivery_backoff_max_ms) {
    problems.push(
      ['delivery_backoff_initial_ms', c.delivery_backoff_initial_ms, `at most delivery_backoff_max_ms (${c.delivery_backoff_max_ms})`, 'delivery_backoff_max_ms'],
      ['delivery_backoff_max_ms', c.delivery_backoff_max_ms, `at least delivery_backoff_initial_ms (${c.delivery_backoff_initial_ms})`, 'delivery_backoff_initial_ms'],
    );
  }
  return problems;
}

/** A receiver URL as it may be shown: scheme, host and port; any path, query or credentials hidden. */
export function maskReceiverUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '' || (u.pathname !== '/' && u.pathname !== '');
    return `${u.protocol}//${u.host}${hidden ? '/***' : ''}`;
  } catch {
    return '***';
  }
}

/** Masks the secrets of receivers (or of any part of one): URLs shortened, header values hidden. */
export function maskReceivers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskReceivers);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (typeof out.url === 'string') out.url = maskReceiverUrl(out.url);
  else if ('url' in out) out.url = '***';
  if (out.headers && typeof out.headers === 'object') {
    out.headers = Object.fromEntries(Object.keys(out.headers).map((k) => [k, '***']));
  } else if ('headers' in out) out.headers = '***';
  return out;
}

/** Masks a value found at `path` inside `delivery_receivers` (for validation messages). */
export function maskReceiverPart(path: readonly string[], value: unknown): unknown {
  return path.includes('url') || path.includes('headers') ? '***' : maskReceivers(value);
}

import fc from 'fast-check';
import {
  INJECTIONS,
  PROTOTYPE_KEYS,
  deepValue,
  jsonText,
  notAnObject,
  numberTokens,
  obj,
  raw,
  validName,
  weirdKey,
  weirdString,
  weirdTimestamp,
  weirdValue,
  type J,
} from './adversarial-json.js';

/**
 * One generated inbound message: raw bytes, or JSON text in which the runner replaces every
 * `@ID@` by a name unique to the case (so what a case stored can be found again).
 */
export interface FuzzCase {
  /** What the generator did, for reports of a failing case. */
  readonly kind: string;
  readonly text?: string;
  readonly bytes?: Uint8Array;
}

type Entries = (readonly [string, J])[];
type Mutation = { readonly name: string; apply(e: Entries): Entries };

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const set = (key: string, value: J) => (e: Entries): Entries => [...e.filter(([k]) => k !== key), [key, value]];
const without = (key: string) => (e: Entries): Entries => e.filter(([k]) => k !== key);
/** Changes the members of the object at `key` (an empty one when it is absent or not an object). */
const inside = (key: string, f: (inner: Entries) => Entries) => (e: Entries): Entries => {
  const current = e.find(([k]) => k === key)?.[1];
  const isObject = current !== null && typeof current === 'object' && !Array.isArray(current) && 'entries' in current;
  const inner = isObject ? [...(current as { entries: Entries }).entries] : [];
  return set(key, obj(f(inner)))(e);
};
const mutate = (base: Entries, ms: readonly Mutation[]) => ms.reduce((e, m) => m.apply(e), base);
const caseOf = (kind: string, e: Entries): FuzzCase => ({ kind, text: jsonText(obj(e)) });

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const labelValue = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom(...INJECTIONS));

/** A valid snapshot of the source `@ID@`, timestamped within the last day. */
const snapshot = fc
  .record({
    metrics: fc.uniqueArray(fc.tuple(validName, finite), { minLength: 1, maxLength: 8, selector: ([k]) => k }),
    labels: fc.option(fc.uniqueArray(fc.tuple(validName, labelValue), { maxLength: 5, selector: ([k]) => k }), { nil: undefined }),
    host: fc.option(validName, { nil: undefined }),
    health: fc.option(fc.constantFrom('healthy', 'degraded', 'unhealthy'), { nil: undefined }),
    ageMs: fc.integer({ min: 0, max: 86_400_000 }),
    iso: fc.boolean(),
  })
  .map((p): Entries => {
    const ts = Date.now() - p.ageMs;
    const e: Entries = [
      ['source', '@ID@'],
      ['timestamp', p.iso ? new Date(ts).toISOString() : ts],
      ['metrics', obj(p.metrics)],
    ];
    if (p.host !== undefined) e.push(['host', p.host]);
    if (p.labels !== undefined) e.push(['labels', obj(p.labels)]);
    if (p.health !== undefined) e.push(['health', p.health]);
    return e;
  });

const snapshotMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom('source', 'timestamp', 'metrics', 'host', 'labels', 'health'), weirdValue).map(([f, v]) => ({ name: `${f} replaced`, apply: set(f, v) })),
  fc.tuple(weirdKey, fc.oneof(finite, weirdValue)).map(([k, v]) => ({ name: 'metric added', apply: inside('metrics', (m) => [...m, [k, v]]) })),
  fc.tuple(weirdKey, fc.oneof(labelValue, weirdValue)).map(([k, v]) => ({ name: 'label added', apply: inside('labels', (l) => [...l, [k, v]]) })),
  weirdTimestamp.map((t) => ({ name: 'timestamp', apply: set('timestamp', t) })),
  fc.integer({ min: 1001, max: 2500 }).map((n) => ({ name: `${n} metrics`, apply: set('metrics', obj(range(n).map((i) => [`m${i}`, i]))) })),
  fc.integer({ min: 33, max: 40 }).map((n) => ({ name: `${n} labels`, apply: set('labels', obj(range(n).map((i) => [`l${i}`, 'v']))) })),
  fc.constantFrom('😀', 'v', 'é').map((c) => ({ name: `32 labels of 1024 ${c}`, apply: set('labels', obj(range(32).map((i) => [`label_${i}`, c.repeat(1024)]))) })),
  fc.constantFrom('source', 'timestamp', 'metrics').map((f) => ({ name: `${f} missing`, apply: without(f) })),
  fc.tuple(weirdKey, weirdValue).map(([k, v]) => ({ name: 'extra field', apply: (e: Entries) => [...e, [k, v] as const] })),
);

/** `monitoring.realtime_metrics`: valid snapshots, mutated ones, batches, and things that are no snapshot. */
export const realtimeCases: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 3, arbitrary: snapshot.map((e) => caseOf('valid', e)) },
  { weight: 6, arbitrary: fc.tuple(snapshot, fc.array(snapshotMutation, { minLength: 1, maxLength: 3 })).map(([e, ms]) => caseOf(ms.map((m) => m.name).join(', '), mutate(e, ms))) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(snapshot, fc.array(snapshotMutation, { maxLength: 1 })), { minLength: 1, maxLength: 3 })
      .map((items) => ({ kind: `batch of ${items.length}`, text: jsonText(items.map(([e, ms]) => obj(mutate(e, ms)))) })),
  },
  { weight: 1, arbitrary: notAnObject.map((b) => ({ kind: 'not a snapshot', bytes: b.bytes })) },
);

/** Live updates that change nothing that matters to the test (collectors are off). */
const validUpdate: fc.Arbitrary<Entries> = fc.oneof(
  fc.integer({ min: 1, max: 86400 }).map((n): Entries => [['monitoring_interval_seconds', n]]),
  fc.tuple(validName, fc.integer({ min: 1, max: 100 })).map(([m, w]): Entries => [['alert_thresholds', obj([[m, obj([['warning', w], ['critical', w + 1]])]])]]),
  fc.constant<Entries>([['enable_auto_profiling', false]]),
  fc.constant<Entries>([]),
);

const updateMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(weirdKey, weirdValue).map(([k, v]) => ({ name: 'unknown key', apply: (e: Entries) => [...e, [k, v] as const] })),
  fc.tuple(fc.constantFrom('database_url', 'http_port', 'nats_url', 'agent_id', 'profiling_allowed_processes'), weirdValue).map(([k, v]) => ({ name: `${k} (not live)`, apply: set(k, v) })),
  fc.tuple(fc.constantFrom('monitoring_interval_seconds', 'alert_thresholds', 'enable_auto_profiling'), fc.oneof(weirdString, numberTokens, deepValue)).map(([k, v]) => ({ name: `${k} wrong`, apply: set(k, v) })),
  fc.tuple(fc.oneof(validName, fc.constantFrom(...PROTOTYPE_KEYS)), weirdValue).map(([m, v]) => ({ name: 'threshold rule wrong', apply: set('alert_thresholds', obj([[m, v]])) })),
  fc.integer({ min: 10, max: 3000 }).map((n) => ({ name: `${n} unknown keys`, apply: (e: Entries) => [...e, ...range(n).map((i) => [`k${i}`, i] as const)] })),
  fc.constant({ name: '__proto__ with a live key', apply: (e: Entries) => [...e, ['__proto__', obj([['monitoring_interval_seconds', 1]])] as const] }),
);

/** `config.performance_engine_agent.updated`. */
export const configCases: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 2, arbitrary: validUpdate.map((e) => caseOf('valid', e)) },
  { weight: 7, arbitrary: fc.tuple(validUpdate, fc.array(updateMutation, { minLength: 1, maxLength: 2 })).map(([e, ms]) => caseOf(ms.map((m) => m.name).join(', '), mutate(e, ms))) },
  { weight: 1, arbitrary: notAnObject.map((b) => ({ kind: 'not an object', bytes: b.bytes })) },
);

/** A request for a profile of an agent that is not there: accepted, then failed at once (no responders). */
const validProfileRequest = fc
  .record({ kind: fc.option(fc.constantFrom('cpu', 'heap', 'event_loop'), { nil: undefined }), duration: fc.integer({ min: 1, max: 5 }), id: fc.option(validName, { nil: undefined }) })
  .map((p): Entries => {
    const e: Entries = [['target', obj([['agent_id', 'fz-absent-@ID@']])], ['duration_seconds', p.duration]];
    if (p.kind !== undefined) e.push(['kind', p.kind]);
    if (p.id !== undefined) e.push(['request_id', p.id]);
    return e;
  });

/** A value for `self` that is not `true`: `{"self": true}` would profile the engine itself for real. */
const notTrue = weirdValue.filter((v) => v !== true);

const targetMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.oneof(numberTokens, fc.double(), fc.integer()).map((v) => ({ name: 'pid', apply: set('target', obj([['pid', v]])) })),
  notTrue.map((v) => ({ name: 'self', apply: set('target', obj([['self', v]])) })),
  weirdString.map((v) => ({ name: 'agent_id', apply: set('target', obj([['agent_id', v]])) })),
  fc.constant({ name: 'two targets', apply: set('target', obj([['agent_id', 'fz-absent-@ID@'], ['pid', 1]])) }),
  fc.constant({ name: '__proto__ target', apply: set('target', obj([['__proto__', obj([['self', true]])]])) }),
  fc.tuple(fc.constantFrom('target', 'kind', 'duration_seconds', 'sampling_interval_us', 'request_id'), weirdValue.filter((v) => v !== true)).map(([k, v]) => ({ name: `${k} replaced`, apply: set(k, v) })),
  fc.tuple(weirdKey, weirdValue).map(([k, v]) => ({ name: 'extra field', apply: (e: Entries) => [...e, [k, v] as const] })),
  fc.constant({ name: 'over 64 KiB', apply: set('request_id', 'x'.repeat(70_000)) }),
);

/** `orchestrator.profile_request`. */
export const profileRequestCases: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 2, arbitrary: validProfileRequest.map((e) => caseOf('valid', e)) },
  { weight: 7, arbitrary: fc.tuple(validProfileRequest, fc.array(targetMutation, { minLength: 1, maxLength: 2 })).map(([e, ms]) => caseOf(ms.map((m) => m.name).join(', '), mutate(e, ms))) },
  { weight: 1, arbitrary: notAnObject.map((b) => ({ kind: 'not an object', bytes: b.bytes })) },
);

/** A field of `agent.<id>.profile` and values it never accepts, so that a mutated request stays invalid. */
const invalidAgentField = fc.oneof(
  fc.tuple(fc.constant('duration_seconds'), fc.constantFrom<J>(0, 301, -1, raw('NaN'), '10', raw('1e999'), null)),
  fc.tuple(fc.constant('kind'), fc.constantFrom<J>('wall', '', 'CPU', 1, null)),
  fc.tuple(fc.constant('sampling_interval_us'), fc.constantFrom<J>(0, 9, 1.5, 1_000_001)),
  fc.tuple(fc.constant('max_bytes'), fc.constantFrom<J>(1023, -1, 1.5, '1024')),
  fc.tuple(fc.constant('heap_include_collected'), fc.constantFrom<J>('yes', 1, null)),
  fc.tuple(fc.constant('request_id'), fc.constantFrom<J>('', 'x'.repeat(129), 1, obj([]))),
);

const agentMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(weirdKey, weirdValue).map(([k, v]) => ({ name: 'extra field', apply: (e: Entries) => [...e, [k, v] as const] })),
  deepValue.map((v) => ({ name: 'deep field', apply: set('context', v) })),
  fc.constant({ name: 'over 64 KiB', apply: set('pad', 'x'.repeat(70_000)) }),
);

/**
 * `agent.<id>.profile` at an SDK agent: mostly requests that are invalid by construction (each
 * valid one records a real profile of at least a second), plus a few valid ones.
 */
export const agentProfileCases: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('cpu', 'heap', 'event_loop').map((k) => caseOf('valid', [['kind', k], ['duration_seconds', 1]])) },
  {
    weight: 30,
    arbitrary: fc
      .tuple(invalidAgentField, fc.array(agentMutation, { maxLength: 2 }))
      .map(([[k, v], ms]) => caseOf(`${k} invalid${ms.map((m) => `, ${m.name}`).join('')}`, mutate([['kind', 'cpu'], ['duration_seconds', 1], [k, v]], ms))),
  },
  // Any object is a valid request here (every field is optional): it would record a 10 s profile.
  { weight: 4, arbitrary: notAnObject.filter((b) => !isObjectText(b.bytes)).map((b) => ({ kind: 'not an object', bytes: b.bytes })) },
);

function isObjectText(bytes: Uint8Array): boolean {
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

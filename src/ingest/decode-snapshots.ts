import type { ErrorObject } from 'ajv';
import { wireAjv } from '../wire/wire-ajv.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import { Type } from '@sinclair/typebox';
import { LABEL_VALUE_PATTERN, SnapshotWire } from '../wire/realtime-metrics.js';
import { MAX_METRICS_PER_SNAPSHOT } from '../model/limits.js';
import { NAME_PATTERN } from '../model/metric-names.js';
import { parseInboundTimestamp } from '../wire/common.js';
import { unstorableTime } from '../wire/storable-time.js';

/** Why a message was rejected: a stable code and a sentence. */
export interface Rejection {
  readonly code:
    | 'bad_json'
    | 'bad_shape'
    | 'bad_timestamp'
    | 'old_timestamp'
    | 'future_timestamp'
    | 'too_many_snapshots'
    | 'too_large'
    | 'too_deep'
    | 'too_many_keys'
    // Cardinality limits (src/ingest/cardinality-guard.ts).
    | 'too_many_sources'
    | 'too_many_streams'
    | 'too_many_labels'
    | 'label_too_long';
  readonly message: string;
}

/** A decoded message: its snapshots and their sample count, or why it was rejected whole. */
export type DecodeResult =
  | { readonly ok: true; readonly snapshots: MetricSnapshot[]; readonly samples: number }
  | { readonly ok: false; readonly rejection: Rejection };

/** Limits applied at the edge. */
export interface DecodeLimits {
  readonly maxFutureSkewMs: number;
  /** Oldest timestamp accepted, as an age from now: the retention window (older data would only be deleted again). */
  readonly maxAgeMs: number;
  readonly maxBatchSnapshots: number;
  readonly maxBytes: number;
}

/**
 * The runtime check is the wire schema with the metric map's names and values left to a loop of
 * our own: names repeat across messages, so a set of names already seen replaces a regex test per
 * sample, and the loop also catches Infinity (JSON's 1e999), which "number" lets through.
 */
const RuntimeSnapshot = Type.Object(
  {
    ...SnapshotWire.properties,
    metrics: Type.Object({}, { additionalProperties: true, minProperties: 1, maxProperties: MAX_METRICS_PER_SNAPSHOT }),
  },
  { additionalProperties: true },
);
const checkSnapshot = wireAjv.compile<SnapshotWire>(RuntimeSnapshot);
const NAME_RE = new RegExp(NAME_PATTERN);
const KNOWN_NAMES_MAX = 100_000;
const knownNames = new Set<string>();

function validName(name: string): boolean {
  if (knownNames.has(name)) return true;
  if (!NAME_RE.test(name)) return false;
  if (knownNames.size >= KNOWN_NAMES_MAX) knownNames.clear();
  knownNames.add(name);
  return true;
}
const decoder = new TextDecoder('utf-8', { fatal: true });

function describe(e: ErrorObject | undefined, index: number | null): string {
  const where = `${index === null ? 'snapshot' : `snapshot[${index}]`}${e?.instancePath.replace(/\//g, '.') ?? ''}`;
  if (!e) return `${where}: invalid`;
  if (e.keyword === 'required') return `${where}: missing required field "${String(e.params.missingProperty)}"`;
  if (e.keyword === 'type' && e.params.type === 'number') return `${where}: must be a finite number`;
  if (e.keyword === 'additionalProperties' && e.instancePath.endsWith('/labels')) {
    return `${where}: label name ${JSON.stringify(String(e.params.additionalProperty).slice(0, 140))} must be 1-128 characters of A-Z a-z 0-9 _ . : -`;
  }
  if (e.keyword === 'pattern' && e.params.pattern === LABEL_VALUE_PATTERN) return `${where}: a label value must not contain NUL or an unpaired surrogate`;
  return `${where}: ${e.message ?? 'invalid'}`;
}

function reject(code: Rejection['code'], message: string): DecodeResult {
  return { ok: false, rejection: { code, message } };
}

/** A real timestamp outside the accepted window: the message names it and the window. */
function rejectTime(where: string, ts: number, oldest: number, horizon: number, limits: DecodeLimits): DecodeResult {
  const window = `accepted from ${new Date(oldest).toISOString()} to ${new Date(horizon).toISOString()}`;
  const at = `${where}.timestamp: ${new Date(ts).toISOString()}`;
  if (ts < oldest) {
    return reject('old_timestamp', `${at} is older than the retention window of ${limits.maxAgeMs / 86_400_000} days (data_retention_days); ${window}`);
  }
  return reject('future_timestamp', `${at} is more than ${limits.maxFutureSkewMs / 1000} s in the future (ingest_max_future_skew_seconds); ${window}`);
}

/**
 * Builds the edge decoder of `monitoring.realtime_metrics`: bytes -> validated snapshots, or a
 * rejection of the whole message. Nothing is partially accepted. Pure: the clock is passed in.
 */
export function createSnapshotDecoder(limits: DecodeLimits, now: () => number = Date.now) {
  return function decode(data: Uint8Array): DecodeResult {
    if (data.byteLength > limits.maxBytes) {
      return reject('too_large', `message of ${data.byteLength} bytes exceeds ${limits.maxBytes}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(data));
    } catch (err) {
      return reject('bad_json', `not UTF-8 JSON: ${(err as Error).message}`);
    }
    const isBatch = Array.isArray(parsed);
    const items = isBatch ? (parsed as unknown[]) : [parsed];
    if (isBatch && items.length === 0) return reject('bad_shape', 'empty batch');
    if (items.length > limits.maxBatchSnapshots) {
      return reject('too_many_snapshots', `batch of ${items.length} snapshots exceeds ${limits.maxBatchSnapshots}`);
    }
    const t = now();
    const oldest = t - limits.maxAgeMs;
    const horizon = t + limits.maxFutureSkewMs;
    const snapshots: MetricSnapshot[] = new Array(items.length);
    let samples = 0;
    for (let i = 0; i < items.length; i++) {
      const w = items[i];
      if (!checkSnapshot(w)) return reject('bad_shape', describe(checkSnapshot.errors?.[0], isBatch ? i : null));
      const ts = parseInboundTimestamp(w.timestamp);
      const where = isBatch ? `snapshot[${i}]` : 'snapshot';
      const outside = Number.isNaN(ts) ? null : unstorableTime(ts);
      if (outside !== null) return reject('bad_timestamp', `${where}.timestamp: ${outside}`);
      if (!Number.isFinite(ts)) return reject('bad_timestamp', `${where}.timestamp: not a valid date`);
      if (ts < oldest || ts > horizon) return rejectTime(where, ts, oldest, horizon, limits);
      let n = 0;
      const metrics = w.metrics as Record<string, unknown>;
      for (const name in metrics) {
        const v = metrics[name];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          return reject('bad_shape', `${where}.metrics.${name.slice(0, 140)}: must be a finite number`);
        }
        if (!validName(name)) {
          return reject('bad_shape', `${where}.metrics: metric name "${name.slice(0, 140)}" must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
        }
        n++;
      }
      samples += n;
      const s: { -readonly [K in keyof MetricSnapshot]: MetricSnapshot[K] } = { source: w.source, timestamp: ts, metrics: w.metrics };
      if (w.host !== undefined) s.host = w.host;
      if (w.labels !== undefined && Object.keys(w.labels).length > 0) s.labels = w.labels;
      if (w.health !== undefined) s.health = w.health;
      snapshots[i] = s;
    }
    return { ok: true, snapshots, samples };
  };
}

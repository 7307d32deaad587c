import { Ajv, type ErrorObject } from 'ajv';
import type { MetricSnapshot } from '../model/snapshot.js';
import { SnapshotWire } from '../bus/wire/realtime-metrics.js';
import { parseInboundTimestamp } from '../bus/wire/common.js';

/** Why a message was rejected: a stable code and a sentence. */
export interface Rejection {
  readonly code: 'bad_json' | 'bad_shape' | 'bad_timestamp' | 'future_timestamp' | 'too_many_snapshots' | 'too_large';
  readonly message: string;
}

/** A decoded message: its snapshots and their sample count, or why it was rejected whole. */
export type DecodeResult =
  | { readonly ok: true; readonly snapshots: MetricSnapshot[]; readonly samples: number }
  | { readonly ok: false; readonly rejection: Rejection };

/** Limits applied at the edge. */
export interface DecodeLimits {
  readonly maxFutureSkewMs: number;
  readonly maxBatchSnapshots: number;
  readonly maxBytes: number;
}

const ajv = new Ajv({ allErrors: false, strict: false });
const checkSnapshot = ajv.compile<SnapshotWire>(SnapshotWire);
const decoder = new TextDecoder('utf-8', { fatal: true });

function describe(e: ErrorObject | undefined, index: number | null): string {
  const where = `${index === null ? 'snapshot' : `snapshot[${index}]`}${e?.instancePath.replace(/\//g, '.') ?? ''}`;
  if (!e) return `${where}: invalid`;
  if (e.keyword === 'required') return `${where}: missing required field "${String(e.params.missingProperty)}"`;
  if (e.keyword === 'additionalProperties' && e.instancePath === '/metrics') {
    const name = String(e.params.additionalProperty).slice(0, 140);
    return `${where}: metric name "${name}" must be 1-128 characters of A-Z a-z 0-9 _ . : -`;
  }
  if (e.keyword === 'type' && e.params.type === 'number') return `${where}: must be a finite number`;
  return `${where}: ${e.message ?? 'invalid'}`;
}

function reject(code: Rejection['code'], message: string): DecodeResult {
  return { ok: false, rejection: { code, message } };
}

/**
 * Builds the edge decoder of `monitoring.realtime_metrics`: bytes -> validated snapshots, or a
 * rejection of the whole message. Nothing is partially accepted.
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
    const horizon = now() + limits.maxFutureSkewMs;
    const snapshots: MetricSnapshot[] = new Array(items.length);
    let samples = 0;
    for (let i = 0; i < items.length; i++) {
      const w = items[i];
      if (!checkSnapshot(w)) return reject('bad_shape', describe(checkSnapshot.errors?.[0], isBatch ? i : null));
      const ts = parseInboundTimestamp(w.timestamp);
      const where = isBatch ? `snapshot[${i}]` : 'snapshot';
      if (!Number.isFinite(ts)) return reject('bad_timestamp', `${where}.timestamp: not a valid date`);
      if (ts > horizon) {
        return reject(
          'future_timestamp',
          `${where}.timestamp: ${new Date(ts).toISOString()} is more than ${limits.maxFutureSkewMs / 1000} s in the future`,
        );
      }
      let n = 0;
      for (const name in w.metrics) {
        // JSON.parse turns 1e999 into Infinity, which the schema's "number" lets through.
        if (!Number.isFinite(w.metrics[name])) return reject('bad_shape', `${where}.metrics.${name}: must be a finite number`);
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

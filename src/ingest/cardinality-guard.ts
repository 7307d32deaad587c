import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { streamKey } from '../store/stream-registry.js';
import type { Rejection } from './decode-snapshots.js';

/** The cardinality limits (docs/configuration.md, `ingest_max_*`). */
export interface CardinalityLimits {
  readonly maxSources: number;
  readonly maxStreamsPerSource: number;
  readonly maxStreams: number;
  readonly maxLabels: number;
  readonly maxLabelValueLength: number;
}

/** The limits as the configuration sets them. */
export function cardinalityLimits(c: Config): CardinalityLimits {
  return {
    maxSources: c.ingest_max_sources,
    maxStreamsPerSource: c.ingest_max_streams_per_source,
    maxStreams: c.ingest_max_streams,
    maxLabels: c.ingest_max_labels,
    maxLabelValueLength: c.ingest_max_label_value_length,
  };
}

/** Keys whose change sets new limits. */
export const CARDINALITY_CONFIG_KEYS: readonly string[] = ['ingest_max_sources', 'ingest_max_streams_per_source', 'ingest_max_streams', 'ingest_max_labels', 'ingest_max_label_value_length'];

/** A stream to admit: its source, host and labels. */
export interface StreamIdentity {
  readonly source: string;
  readonly host?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

/** Keys longer than this are remembered by their digest, so that a stream costs the same memory whatever its labels. */
const MAX_RAW_KEY = 128;

/** The key a stream is remembered by: its stream key, or `#` and the key's SHA-256 (base64) when long. */
function memoryKey(s: StreamIdentity): string {
  const key = streamKey(s.source, s.host, s.labels);
  // A stream key is a JSON array (starts with `[`): a digest key cannot equal one.
  return key.length <= MAX_RAW_KEY ? key : `#${createHash('sha256').update(key).digest('base64')}`;
}

/**
 * Admits the sources and streams of accepted messages up to the cardinality limits, all of a
 * message or none of it. What it knows is bounded by the limits: at most `maxStreams` stream keys
 * (each at most about 130 characters) and one counter per source, so memory stays flat at the
 * limit. Known streams are always admitted, also after a limit was lowered.
 */
export class CardinalityGuard {
  readonly #streams = new Set<string>();
  /** Streams admitted per source. */
  readonly #perSource = new Map<string, number>();
  #limits: CardinalityLimits;

  constructor(limits: CardinalityLimits) {
    this.#limits = limits;
  }

  /** Applies new limits (live configuration); what was admitted stays. */
  setLimits(limits: CardinalityLimits): void {
    this.#limits = limits;
  }

  /** Sources and streams admitted so far. */
  get size(): { readonly sources: number; readonly streams: number } {
    return { sources: this.#perSource.size, streams: this.#streams.size };
  }

  /** Remembers streams known already (those stored, at start) as far as the limits allow; returns how many were taken. */
  seed(streams: Iterable<StreamIdentity>): number {
    let taken = 0;
    for (const s of streams) if (this.admit([s]) === null) taken++;
    return taken;
  }

  /** Admits every stream of `snapshots`, or none and says why. */
  admit(snapshots: readonly StreamIdentity[]): Rejection | null {
    const l = this.#limits;
    const fresh = new Map<string, StreamIdentity>();
    for (let i = 0; i < snapshots.length; i++) {
      const s = snapshots[i]!;
      const bad = this.#checkLabels(s, snapshots.length > 1 ? `snapshot[${i}]` : 'snapshot');
      if (bad) return bad;
      const key = memoryKey(s);
      if (!this.#streams.has(key)) fresh.set(key, s);
    }
    if (fresh.size === 0) return null;
    const newPerSource = new Map<string, number>();
    for (const s of fresh.values()) newPerSource.set(s.source, (newPerSource.get(s.source) ?? 0) + 1);
    let newSources = 0;
    for (const [source, n] of newPerSource) {
      const had = this.#perSource.get(source);
      if (had === undefined) newSources++;
      if ((had ?? 0) + n > l.maxStreamsPerSource) {
        return { code: 'too_many_streams', message: `source ${JSON.stringify(source.slice(0, 140))} would have more than ${l.maxStreamsPerSource} streams (host and label sets; ingest_max_streams_per_source)` };
      }
    }
    if (this.#perSource.size + newSources > l.maxSources) {
      return { code: 'too_many_sources', message: `the engine would have more than ${l.maxSources} sources (ingest_max_sources); sources already known keep being stored` };
    }
    if (this.#streams.size + fresh.size > l.maxStreams) {
      return { code: 'too_many_streams', message: `the engine would have more than ${l.maxStreams} streams (ingest_max_streams); streams already known keep being stored` };
    }
    for (const key of fresh.keys()) this.#streams.add(key);
    for (const [source, n] of newPerSource) this.#perSource.set(source, (this.#perSource.get(source) ?? 0) + n);
    return null;
  }

  #checkLabels(s: StreamIdentity, where: string): Rejection | null {
    if (!s.labels) return null;
    const l = this.#limits;
    let n = 0;
    for (const name in s.labels) {
      n++;
      if (s.labels[name]!.length > l.maxLabelValueLength) {
        return { code: 'label_too_long', message: `${where}.labels.${name.slice(0, 140)}: value of ${s.labels[name]!.length} characters, more than ${l.maxLabelValueLength} (ingest_max_label_value_length)` };
      }
    }
    if (n > l.maxLabels) return { code: 'too_many_labels', message: `${where}.labels: ${n} labels, more than ${l.maxLabels} (ingest_max_labels)` };
    return null;
  }
}

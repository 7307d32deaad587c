import type { BottleneckKind } from '../../model/bottleneck.js';
import { FIXED_METRICS } from '../../model/metric-names.js';
import type { Severity } from '../../model/severity.js';
import type { Queryable } from '../../store/db.js';
import { encodeJson } from '../../wire/json.js';
import { SUBJECTS } from '../../wire/subjects.js';
import { insightsMessage } from '../insights.js';
import { recentVerdicts } from './optimization-repo.js';

/** What the publisher is given. */
export interface InsightsDeps {
  readonly db: Queryable;
  publish(subject: string, payload: Uint8Array): void;
  /** Latest event time seen from a source, the end of its baseline window. */
  watermark(source: string): number;
  /** Length of the baseline window (event time). */
  baselineMs(): number;
  now(): number;
}

/** Most sources digested in one periodic round (the busiest are those seen). */
const MAX_SOURCES_PER_ROUND = 1000;

/** p50 and p95 of each fixed metric of a source over its baseline window, from the stored samples. */
async function baselines(q: Queryable, source: string, from: number, until: number): Promise<Record<string, { p50: number; p95: number }>> {
  const r = await q.query<{ metric: string; p50: number; p95: number }>(
    `SELECT metric, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95
     FROM system_metrics WHERE source = $1 AND metric = ANY($2::text[]) AND ts >= $3 AND ts <= $4 GROUP BY metric ORDER BY metric`,
    [source, [...FIXED_METRICS], new Date(from), new Date(until)],
  );
  return Object.fromEntries(r.rows.map((x) => [x.metric, { p50: Number(x.p50), p95: Number(x.p95) }]));
}

async function openBottlenecks(q: Queryable, source: string): Promise<{ id: string; kind: BottleneckKind; severity: Severity }[]> {
  const r = await q.query<{ bottleneck_id: string; kind: BottleneckKind; severity: Severity }>(
    `SELECT bottleneck_id, kind, severity FROM bottlenecks WHERE source = $1 AND status = 'active' ORDER BY detected_at`,
    [source],
  );
  return r.rows.map((x) => ({ id: x.bottleneck_id, kind: x.kind, severity: x.severity }));
}

/**
 * Publishes `performance.insights`, one message per source: for every source seen since the last
 * round, every `optimization_insights_interval_seconds`, and for a source at once when one of its
 * optimizations gets a verdict. Baselines come from the stored samples of the window ending at the
 * source's latest event time, so a replayed stream gives the baselines a live one did.
 */
export class InsightsPublisher {
  readonly #seen = new Set<string>();
  #lastRound = 0;
  #published = 0;

  constructor(private readonly deps: InsightsDeps) {}

  /** A source sent data (the fan-out's listener: constant time). */
  seen(source: string): void {
    this.#seen.add(source);
  }

  /** Publishes the digest of every source seen since the last round, when `intervalMs` has passed (0: never periodically). */
  async round(intervalMs: number): Promise<void> {
    const now = this.deps.now();
    if (intervalMs <= 0 || now - this.#lastRound < intervalMs) return;
    this.#lastRound = now;
    const sources = [...this.#seen].slice(0, MAX_SOURCES_PER_ROUND);
    this.#seen.clear();
    for (const s of sources) await this.publishFor(s);
  }

  /** Publishes the digest of one source now. */
  async publishFor(source: string): Promise<void> {
    const { db } = this.deps;
    const until = this.deps.watermark(source);
    const [base, open, verdicts] = await Promise.all([
      Number.isFinite(until) ? baselines(db, source, until - this.deps.baselineMs(), until) : Promise.resolve({}),
      openBottlenecks(db, source),
      recentVerdicts(db, source),
    ]);
    const message = insightsMessage({ source, at: this.deps.now(), baselines: base, openBottlenecks: open, verdicts });
    this.deps.publish(SUBJECTS.insights, encodeJson(message));
    this.#published++;
  }

  /** Digests published since start. */
  get published(): number {
    return this.#published;
  }
}

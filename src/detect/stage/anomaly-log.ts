import type { Logger } from 'pino';
import type { Queryable } from '../../store/db.js';
import type { Anomaly } from '../stream/detection-events.js';

/** Tuning of the anomaly log. */
export interface AnomalyLogOptions {
  /** How often the kept anomalies are written. */
  readonly flushMs: number;
  /** One anomaly per series and slot of this width is kept: the highest score. */
  readonly slotMs: number;
  /** Anomalies waiting to be written beyond which new ones are dropped (counted). */
  readonly maxPending: number;
}

export const ANOMALY_LOG_DEFAULTS: Readonly<AnomalyLogOptions> = Object.freeze({ flushMs: 5000, slotMs: 5000, maxPending: 20_000 });

const CHUNK = 5000;

/** Counters of the anomaly log, for `status`. */
export interface AnomalyLogStats {
  readonly received: number;
  readonly written: number;
  /** Dropped because `maxPending` were waiting (a database outage, or a storm). */
  readonly dropped: number;
  readonly pending: number;
  readonly lastError: string | null;
}

/**
 * Keeps the detector's anomaly events in `anomaly_events` (migration 011) so that charts and
 * reports can mark them: bounded to one event per series and 5-second slot (the highest score)
 * and to `maxPending` waiting, written every `flushMs` and at stop; a failed write is retried
 * at the next tick.
 */
export class AnomalyLog {
  readonly name = 'anomaly-log';
  readonly #pending = new Map<string, Anomaly>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #stats = { received: 0, written: 0, dropped: 0, lastError: null as string | null };

  constructor(
    private readonly db: Queryable,
    private readonly log: Logger,
    private readonly opts: AnomalyLogOptions = ANOMALY_LOG_DEFAULTS,
  ) {}

  /** The detection listener: keeps the anomaly unless its slot holds a higher score. */
  record(a: Anomaly): void {
    this.#stats.received++;
    if (!Number.isFinite(a.value) || !Number.isFinite(a.timestamp)) return;
    const key = `${a.source}\u0000${a.metric}\u0000${Math.floor(a.timestamp / this.opts.slotMs)}`;
    const had = this.#pending.get(key);
    if (had) {
      if (a.score > had.score) this.#pending.set(key, a);
      return;
    }
    if (this.#pending.size >= this.opts.maxPending) {
      this.#stats.dropped++;
      return;
    }
    this.#pending.set(key, a);
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.#timer.unref();
  }

  /** Writes what waits; one flush at a time. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const batch = [...this.#pending.entries()];
    if (batch.length === 0) return;
    try {
      for (let at = 0; at < batch.length; at += CHUNK) {
        const rows = batch.slice(at, at + CHUNK).map(([, a]) => a);
        await insertAnomalies(this.db, rows);
        for (const [k, a] of batch.slice(at, at + CHUNK)) if (this.#pending.get(k) === a) this.#pending.delete(k);
        this.#stats.written += rows.length;
      }
    } catch (err) {
      this.#stats.lastError = String(err);
      this.log.warn({ err }, 'writing anomaly events failed; retrying at the next tick');
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#flushing;
    await this.flush();
  }

  stats(): AnomalyLogStats {
    return { ...this.#stats, pending: this.#pending.size };
  }
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/** Inserts anomaly events; a row already stored for a series and time keeps the higher score. */
export async function insertAnomalies(q: Queryable, rows: readonly Anomaly[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO anomaly_events AS e (source, metric, ts, value, score, direction, cause, baseline)
     SELECT u.source, u.metric, to_timestamp(u.ms / 1000.0), u.value, u.score, u.direction, u.cause, u.baseline
     FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::real[], $6::text[], $7::text[], $8::float8[])
       AS u(source, metric, ms, value, score, direction, cause, baseline)
     ON CONFLICT (source, metric, ts) DO UPDATE SET value = EXCLUDED.value, score = EXCLUDED.score, direction = EXCLUDED.direction,
       cause = EXCLUDED.cause, baseline = EXCLUDED.baseline WHERE EXCLUDED.score > e.score`,
    [
      rows.map((a) => a.source),
      rows.map((a) => a.metric),
      rows.map((a) => a.timestamp),
      rows.map((a) => a.value),
      rows.map((a) => a.score),
      rows.map((a) => (a.detail.direction === 'none' ? null : a.detail.direction)),
      rows.map((a) => a.detail.cause),
      rows.map((a) => finiteOrNull(a.detail.baseline)),
    ],
  );
}

/** A stored anomaly event, as the API answers it. */
export interface AnomalyEvent {
  readonly source: string;
  readonly metric: string;
  readonly timestamp: string;
  readonly value: number;
  readonly score: number;
  readonly direction: string | null;
  readonly cause: string | null;
  readonly baseline: number | null;
}

/** What to list: a period, optionally one source and metric, at most `limit` events (the highest scores when more match), oldest first. */
export interface AnomalyQuery {
  readonly startMs: number;
  readonly endMs: number;
  readonly sources?: readonly string[] | null;
  readonly metric?: string;
  readonly minScore?: number;
  readonly limit: number;
}

/** Lists stored anomaly events. */
export async function listAnomalies(q: Queryable, a: AnomalyQuery): Promise<AnomalyEvent[]> {
  const r = await q.query<{ source: string; metric: string; ts: Date | string; value: number; score: number; direction: string | null; cause: string | null; baseline: number | null }>(
    `SELECT * FROM (
       SELECT source, metric, ts, value, score, direction, cause, baseline FROM anomaly_events
       WHERE ts >= $1 AND ts <= $2 AND ($3::text[] IS NULL OR source = ANY($3)) AND ($4::text IS NULL OR metric = $4) AND score >= $5
       ORDER BY score DESC, ts LIMIT $6) top
     ORDER BY ts, source, metric`,
    [new Date(a.startMs), new Date(a.endMs), a.sources && a.sources.length > 0 ? [...a.sources] : null, a.metric ?? null, a.minScore ?? 0, a.limit],
  );
  return r.rows.map((row) => ({
    source: row.source,
    metric: row.metric,
    timestamp: new Date(row.ts).toISOString(),
    value: Number(row.value),
    score: Number(row.score),
    direction: row.direction,
    cause: row.cause,
    baseline: row.baseline === null ? null : Number(row.baseline),
  }));
}

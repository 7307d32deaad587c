import type { Db } from './db.js';
import { quoteIdent } from './db.js';

const DAY_MS = 86_400_000;

/** Day number (days since the Unix epoch, UTC) of an epoch-ms time. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** Partition name of a day: `<table>_pYYYYMMDD`. */
export function partitionName(table: string, day: number): string {
  return `${table}_p${new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** Day number of a partition name, or undefined when the name is not one of ours. */
export function partitionDay(table: string, name: string): number | undefined {
  const m = new RegExp(`^${table}_p(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
  if (!m) return undefined;
  return dayOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

/** A dropped partition, for the retention log. */
export interface DroppedPartition {
  readonly name: string;
  readonly day: string;
  readonly estimatedRows: number;
  readonly bytes: number;
}

/**
 * Range partitions of a table partitioned by `ts`, each `spanDays` UTC days long (1 by default;
 * spans start at multiples of `spanDays` days since the epoch): created ahead of time and on
 * demand for late or replayed data, and dropped whole once past retention. A partition is named
 * after its first day.
 */
export class DailyPartitions {
  /** First days of the partitions that exist. */
  readonly #known = new Set<number>();
  #loaded = false;

  constructor(
    private readonly db: Db,
    readonly table: string,
    readonly spanDays = 1,
  ) {}

  /** First day of the partition that holds `day`. */
  #spanStart(day: number): number {
    return day - (((day % this.spanDays) + this.spanDays) % this.spanDays);
  }

  async #load(): Promise<void> {
    const r = await this.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE p.relname = $1 AND n.nspname = $2`,
      [this.table, this.db.schema],
    );
    for (const row of r.rows) {
      const day = partitionDay(this.table, row.name);
      if (day !== undefined) this.#known.add(day);
    }
    this.#loaded = true;
  }

  /** Ensures a partition exists for every day in `days`. */
  async ensure(days: Iterable<number>): Promise<void> {
    if (!this.#loaded) await this.#load();
    for (const d of days) {
      const day = this.#spanStart(d);
      if (this.#known.has(day)) continue;
      const from = new Date(day * DAY_MS).toISOString();
      const to = new Date((day + this.spanDays) * DAY_MS).toISOString();
      try {
        await this.db.query(
          `CREATE TABLE IF NOT EXISTS ${quoteIdent(partitionName(this.table, day))}
           PARTITION OF ${quoteIdent(this.table)} FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
      } catch (err) {
        // Another engine created it at the same moment: the partition exists, which is all we need.
        const code = (err as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw err;
      }
      this.#known.add(day);
    }
  }

  /** Ensures partitions for the day of `now` and `daysAhead` days after it. */
  async ensureAhead(now: number, daysAhead: number): Promise<void> {
    const today = dayOf(now);
    await this.ensure(Array.from({ length: daysAhead + 1 }, (_, i) => today + i));
  }

  /** Drops every partition whose whole span ends at or before `cutoffMs`. */
  async dropBefore(cutoffMs: number): Promise<DroppedPartition[]> {
    if (!this.#loaded) await this.#load();
    const lastWholeDay = dayOf(cutoffMs) - 1;
    const dropped: DroppedPartition[] = [];
    for (const day of [...this.#known].sort((a, b) => a - b)) {
      if (day + this.spanDays - 1 > lastWholeDay) continue;
      const name = partitionName(this.table, day);
      const stats = await this.db.query<{ rows: number; bytes: string }>(
        `SELECT GREATEST(c.reltuples, 0)::float8 AS rows, pg_total_relation_size(c.oid)::text AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = $1 AND n.nspname = $2`,
        [name, this.db.schema],
      );
      await this.db.query(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
      this.#known.delete(day);
      const s = stats.rows[0];
      dropped.push({
        name,
        day: new Date(day * DAY_MS).toISOString().slice(0, 10),
        estimatedRows: s ? Number(s.rows) : 0,
        bytes: s ? Number(s.bytes) : 0,
      });
    }
    return dropped;
  }

  /** Forgets what is known so the next call reloads it (another engine may have changed it). */
  invalidate(): void {
    this.#known.clear();
    this.#loaded = false;
  }
}

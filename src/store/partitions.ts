import type { Db } from './db.js';
import { quoteIdent } from './db.js';

const DAY_MS = 86_400_000;
/** First key of the advisory lock taken while creating a partition (the second is the table's hash). */
const PARTITION_LOCK = 0x70617274; // 'part'

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
 * spans start at multiples of `spanDays` days since the epoch): created ahead of time for the
 * whole accepted window by the partition job (src/store/partition-job.ts), by the write path only
 * when one is missing anyway (bounded), and dropped whole once past retention. A partition is named
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

  /** First day of the partition that holds `day` (its name's day). */
  spanOf(day: number): number {
    return this.#spanStart(day);
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

  /** Re-reads which partitions exist (another engine may have created or dropped some). */
  async reload(): Promise<void> {
    this.#known.clear();
    await this.#load();
  }

  /**
   * First days of the spans holding `days` that have no partition, newest first. When some look
   * missing, the list is read again once (another engine's job may have created them).
   */
  async missing(days: Iterable<number>): Promise<number[]> {
    if (!this.#loaded) await this.#load();
    const spans = new Set<number>();
    for (const d of days) spans.add(this.#spanStart(d));
    const unknown = () => [...spans].filter((s) => !this.#known.has(s)).sort((a, b) => b - a);
    if (unknown().length === 0) return [];
    await this.reload();
    return unknown();
  }

  /**
   * Creates the partition of the span starting on `day`, alone in a short transaction: an
   * advisory lock serialises the engines that create partitions of this table, and
   * `lockTimeoutMs` bounds the wait for the table's lock (a long query holding it must not make
   * the DDL queue ahead of every insert). False when the lock was not had in time.
   */
  async create(day: number, lockTimeoutMs = 0): Promise<boolean> {
    const from = new Date(day * DAY_MS).toISOString();
    const to = new Date((day + this.spanDays) * DAY_MS).toISOString();
    try {
      await this.db.transaction(async (tx) => {
        if (lockTimeoutMs > 0) await tx.query(`SET LOCAL lock_timeout = ${Math.ceil(lockTimeoutMs)}`);
        // The table's lock is held until the commit: do not hold it through the WAL flush as well
        // (a partition lost in a crash is only created again by the next run).
        await tx.query('SET LOCAL synchronous_commit = off');
        await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PARTITION_LOCK, this.table]);
        await tx.query(
          `CREATE TABLE IF NOT EXISTS ${quoteIdent(partitionName(this.table, day))}
           PARTITION OF ${quoteIdent(this.table)} FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 55P03: the lock was not had within lockTimeoutMs (retried later).
      if (code === '55P03') return false;
      // Another engine created it at the same moment: the partition exists, which is all we need.
      if (code !== '42P07' && code !== '23505') throw err;
    }
    this.#known.add(day);
    return true;
  }

  /**
   * Ensures a partition for every day in `days`, creating at most `maxCreate` (newest first);
   * returns how many it created and the first days of the spans still missing.
   */
  async ensure(days: Iterable<number>, maxCreate = Number.POSITIVE_INFINITY, lockTimeoutMs = 0): Promise<{ created: number; left: number[] }> {
    const missing = await this.missing(days);
    const left: number[] = [];
    let created = 0;
    for (const day of missing) {
      if (created >= maxCreate || !(await this.create(day, lockTimeoutMs))) left.push(day);
      else created++;
    }
    return { created, left };
  }

  /** Ensures partitions for the day of `now` and `daysAhead` days after it. */
  async ensureAhead(now: number, daysAhead: number): Promise<void> {
    const today = dayOf(now);
    await this.ensure(Array.from({ length: daysAhead + 1 }, (_, i) => today + i));
  }

  /** First days of the spans covering the days from `fromDay` to `toDay`, newest first. */
  spansBetween(fromDay: number, toDay: number): number[] {
    const out: number[] = [];
    for (let s = this.#spanStart(toDay); s + this.spanDays - 1 >= fromDay; s -= this.spanDays) out.push(s);
    return out;
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

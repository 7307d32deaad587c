/** Rows and count of a query. */
export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Anything that runs SQL: the database handle or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-loads with `COPY ... FROM STDIN (FORMAT binary)` when the backend can (PostgreSQL);
   * undefined where it cannot (PGlite), and callers fall back to INSERT.
   */
  readonly copyBinary?: (copySql: string, payload: Buffer) => Promise<void>;
}

/** How a connection pool has been used: levels now, and totals since it opened. */
export interface PoolStats {
  /** Connections allowed at once. */
  readonly max: number;
  /** Connections open, idle among them, and queries waiting for one now. */
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  /** Connections handed out since the pool opened. */
  readonly acquired: number;
  /** Summed time callers waited for a connection, and held one, ms. */
  readonly waitMs: number;
  readonly holdMs: number;
}

/** A connection pool that says how it is used and can be resized while in use. */
export interface DbPool {
  stats(): PoolStats;
  /**
   * Allows `max` connections at once (an integer ≥ 1). A larger pool opens connections as queries
   * need them; a smaller one closes connections as they are released until it fits.
   */
  resize(max: number): void;
}

/**
 * The database handle stages receive: PostgreSQL through `pg`, or embedded PGlite, behind the
 * same SQL. Stages depend on this interface, never on a driver.
 */
export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Schema that holds the engine's tables (set as search_path on every connection). */
  readonly schema: string;
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** The connection pool, where the backend has one (PostgreSQL). */
  readonly pool?: DbPool;
  /** Cheap round-trip used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

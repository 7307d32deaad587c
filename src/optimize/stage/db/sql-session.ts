/** The slice of a database connection the advisor, its readers and the index applier use. */
export interface SqlSession {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ readonly rows: R[] }>;
  close(): Promise<void>;
}

/** Opens one session on a database given by URL (the engine passes `openPgSession`). */
export type SessionOpener = (url: string) => Promise<SqlSession>;

/**
 * A session that times every statement it runs: the advisor's own cost, measured around each
 * statement on the client (round trips included, so it bounds the server's time from above).
 */
export class TimedSession implements SqlSession {
  #statements = 0;
  #ms = 0;

  constructor(private readonly inner: SqlSession) {}

  /** Statements run so far. */
  get statements(): number {
    return this.#statements;
  }

  /** Their total time, in milliseconds. */
  get ms(): number {
    return this.#ms;
  }

  async query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ readonly rows: R[] }> {
    const t0 = performance.now();
    try {
      return await this.inner.query<R>(sql, params);
    } finally {
      this.#statements++;
      this.#ms += performance.now() - t0;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

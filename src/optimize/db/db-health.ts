/** Buffer cache reads of a database or a table: blocks found in shared buffers and blocks read in. */
export interface BlockReads {
  readonly hit: number;
  readonly read: number;
}

/** Below this share of blocks found in the cache, reads go to disk often enough to matter. */
export const POOR_CACHE_HIT_RATIO = 0.99;
/** Fewer block reads than this say nothing about the cache. */
export const MIN_BLOCK_READS = 1000;

/** The cache hit ratio of a database over a window and whether it is poor. */
export interface CacheHit {
  /** Blocks found in the cache / blocks wanted (0-1); null with too few reads to tell. */
  readonly ratio: number | null;
  readonly hit: number;
  readonly read: number;
  readonly poor: boolean;
  /** Tables that read the most blocks from outside the cache, most first. */
  readonly worstTables: readonly { readonly table: string; readonly ratio: number; readonly read: number }[];
}

/** Blocks read over a window: the change between two readings, or the reading itself when there is no earlier one (or a reset). */
export function blockDelta(prev: BlockReads | undefined, cur: BlockReads): BlockReads {
  if (!prev || cur.hit < prev.hit || cur.read < prev.read) return cur;
  return { hit: cur.hit - prev.hit, read: cur.read - prev.read };
}

/** The cache hit ratio of a database (poor below {@link POOR_CACHE_HIT_RATIO}) with its three tables that read most from disk. */
export function cacheHit(db: BlockReads, tables: ReadonlyMap<string, BlockReads>): CacheHit {
  const total = db.hit + db.read;
  const ratio = total >= MIN_BLOCK_READS ? db.hit / total : null;
  const worstTables = [...tables.entries()]
    .filter(([, b]) => b.read > 0)
    .sort((a, b) => b[1].read - a[1].read)
    .slice(0, 3)
    .map(([table, b]) => ({ table, ratio: b.hit / (b.hit + b.read), read: b.read }));
  return { ratio, hit: db.hit, read: db.read, poor: ratio !== null && ratio < POOR_CACHE_HIT_RATIO, worstTables };
}

/** A session waiting for a lock, with the sessions that block it. */
export interface LockWait {
  readonly pid: number;
  readonly waitingMs: number;
  /** Lock type waited for (relation, tuple, transactionid...). */
  readonly lockType: string | null;
  readonly mode: string | null;
  readonly relation: string | null;
  readonly blockedBy: readonly number[];
  /** The waiting statement, cut to 200 characters. */
  readonly query: string;
}

/** Lock waits at least this long are reported. */
export const MIN_LOCK_WAIT_MS = 1000;

/** Lock waits worth reporting, the longest first. */
export function reportableLockWaits(waits: readonly LockWait[]): LockWait[] {
  return waits.filter((w) => w.waitingMs >= MIN_LOCK_WAIT_MS).sort((a, b) => b.waitingMs - a.waitingMs);
}

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What the lock file of a data folder says about the engine holding it. */
export interface LockInfo {
  readonly pid: number;
  readonly http: string | null;
  readonly started_at: string;
}

/** Data folders held by engines of this process (a second engine in-process must not share one). */
const heldHere = new Set<string>();

/** Path of the lock file in a data folder. */
export function lockPath(dataDir: string): string {
  return join(dataDir, 'engine.lock');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live engine holding the data folder, or null when none does (a stale lock is ignored). */
export function readLock(dataDir: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    return info.pid !== process.pid && alive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

/**
 * Takes the data folder for this process: the embedded database may be opened by one process
 * only. Throws, naming the holder, when a live engine has it.
 */
export function acquireLock(dataDir: string): { setHttp(url: string | null): void; release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const key = resolve(dataDir);
  if (heldHere.has(key)) throw new Error(`data folder ${dataDir} is in use by engine pid ${process.pid} (this process)`);
  const holder = readLock(dataDir);
  if (holder) {
    throw new Error(
      `data folder ${dataDir} is in use by engine pid ${holder.pid}${holder.http ? ` (${holder.http})` : ''}; stop it, or set DATABASE_URL to use PostgreSQL`,
    );
  }
  const startedAt = new Date().toISOString();
  const write = (http: string | null) =>
    writeFileSync(lockPath(dataDir), JSON.stringify({ pid: process.pid, http, started_at: startedAt } satisfies LockInfo));
  write(null);
  heldHere.add(key);
  return {
    setHttp: write,
    release: () => {
      heldHere.delete(key);
      try {
        const info = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
        if (info.pid === process.pid) rmSync(lockPath(dataDir), { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}

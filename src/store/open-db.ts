import { join, resolve } from 'node:path';
import type { Db } from './db.js';
import { openPgDb } from './pg-db.js';
import { openPgliteDb } from './pglite-db.js';

/** Where the data lives: a PostgreSQL URL, or the embedded store in a data folder. */
export interface DbLocation {
  readonly databaseUrl: string | null;
  readonly schema: string;
  readonly dataDir: string;
}

/** Folder of the embedded PGlite database inside a data folder. */
export function pgliteDir(dataDir: string): string {
  return join(resolve(dataDir), 'pglite');
}

/** Opens PostgreSQL when a URL is given, else the embedded PGlite database of the data folder. */
export function openDb(loc: DbLocation): Promise<Db> {
  return loc.databaseUrl
    ? openPgDb({ url: loc.databaseUrl, schema: loc.schema })
    : openPgliteDb(pgliteDir(loc.dataDir), loc.schema);
}

/** Human-readable description of where data goes, with no secret in it. */
export function describeDb(loc: DbLocation): string {
  if (!loc.databaseUrl) return `embedded PGlite in ${pgliteDir(loc.dataDir)}`;
  try {
    const u = new URL(loc.databaseUrl);
    return `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname} (schema ${loc.schema})`;
  } catch {
    return `PostgreSQL (schema ${loc.schema})`;
  }
}

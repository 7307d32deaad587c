import type { MissingPiece } from './db-findings.js';

/** A database the advisor watches: where to connect. */
export interface DbTarget {
  /** Connection URL (may hold a password: mask it before showing it). */
  readonly url: string;
}

/** The databases to watch, or why there is none. */
export interface ResolvedTargets {
  readonly targets: readonly DbTarget[];
  readonly missing: readonly MissingPiece[];
}

const isUrl = (entry: string) => /^postgres(?:ql)?:\/\//i.test(entry);

/** The engine's URL with another database name in its path. */
function sameServer(engineUrl: string, database: string): string {
  const u = new URL(engineUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * The databases named by `optimize_databases`: each entry a `postgres://` URL, or a database name
 * on the server of the engine's own database. An empty list means the engine's own database, when
 * that is PostgreSQL; the embedded PGlite store has no pg_stat_statements, which is reported.
 */
export function resolveDbTargets(entries: readonly string[], engineUrl: string | null): ResolvedTargets {
  if (entries.length === 0) {
    if (engineUrl) return { targets: [{ url: engineUrl }], missing: [] };
    return {
      targets: [],
      missing: [
        {
          what: 'postgresql',
          detail: 'the engine stores into its embedded PGlite database, which has no pg_stat_statements, and optimize_databases names no database',
          fix: 'list the PostgreSQL databases to watch in optimize_databases (connection URLs), or set database_url to a PostgreSQL database',
        },
      ],
    };
  }
  const targets: DbTarget[] = [];
  const missing: MissingPiece[] = [];
  for (const entry of entries) {
    if (isUrl(entry)) targets.push({ url: entry });
    else if (engineUrl) targets.push({ url: sameServer(engineUrl, entry) });
    else {
      missing.push({
        what: 'postgresql',
        detail: `optimize_databases names the database "${entry}" without a URL, and the engine has no PostgreSQL server of its own (database_url is not set)`,
        fix: `write "${entry}" as a full URL, e.g. postgres://user@host:5432/${entry}`,
      });
    }
  }
  return { targets, missing };
}

/** The database a URL names in its path; null when it names none (the server then picks the user's name). */
export function databaseOfUrl(url: string): string | null {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name.length > 0 ? name : null;
  } catch {
    return null;
  }
}

import type { MissingPiece } from './db-findings.js';

/** What a database offers the advisor, as read from its catalog. */
export interface PrerequisiteState {
  readonly database: string;
  /** The role the advisor connects as. */
  readonly role: string;
  /** Major version of the server (15, 16...). */
  readonly major: number;
  readonly statements: {
    /** The module is installed on the server (pg_available_extensions). */
    readonly available: boolean;
    /** The extension is created in this database. */
    readonly created: boolean;
    /** The module is in shared_preload_libraries; null when the role may not read the setting. */
    readonly preloaded: boolean | null;
    /** shared_preload_libraries as set; null when unreadable. */
    readonly preloadSetting: string | null;
  };
  /** Superuser or member of pg_read_all_stats: sees the text of every user's statements. */
  readonly readAllStats: boolean;
  readonly hypopg: { readonly available: boolean; readonly created: boolean };
}

function preloadFix(s: PrerequisiteState): string {
  const current = (s.statements.preloadSetting ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  const wanted = [...current, 'pg_stat_statements'].join(',');
  return `as a superuser: ALTER SYSTEM SET shared_preload_libraries = '${wanted}'; then restart PostgreSQL (the setting is read only at start)`;
}

function statementsMissing(s: PrerequisiteState): MissingPiece | null {
  const st = s.statements;
  const create = `CREATE EXTENSION pg_stat_statements; in database ${s.database} as a superuser`;
  const effect = 'no statement is ranked, planned or given an index';
  if (!st.available) {
    return {
      what: 'pg_stat_statements',
      detail: `the pg_stat_statements module is not installed on the server of ${s.database}: ${effect}`,
      fix: `install the PostgreSQL ${s.major} contrib modules on the server (Debian's postgresql-${s.major} includes them), add pg_stat_statements to shared_preload_libraries, restart PostgreSQL, then run ${create}`,
    };
  }
  if (st.preloaded === false) {
    return {
      what: 'pg_stat_statements',
      detail: `pg_stat_statements is not in shared_preload_libraries (now '${st.preloadSetting ?? ''}'), so the server records no statement: ${effect}`,
      fix: `${preloadFix(s)}${st.created ? '' : `; then run ${create}`}`,
    };
  }
  if (!st.created) {
    const loaded = st.preloaded === true ? 'the module is preloaded' : `${s.role} may not read shared_preload_libraries, so whether the module is preloaded is unknown`;
    return {
      what: 'pg_stat_statements',
      detail: `the extension pg_stat_statements is not created in database ${s.database} (${loaded}): ${effect}`,
      fix: st.preloaded === true ? `run ${create}` : `run ${create}; it also needs pg_stat_statements in shared_preload_libraries and a restart`,
    };
  }
  return null;
}

/**
 * Every prerequisite the database lacks, each with what it prevents and the exact way to provide
 * it: pg_stat_statements (installed, preloaded, created), the right to read other users'
 * statements, and HypoPG (installed, created). Nothing is guessed: a setting the role may not read
 * is said to be unknown.
 */
export function missingPieces(s: PrerequisiteState): MissingPiece[] {
  const out: MissingPiece[] = [];
  const statements = statementsMissing(s);
  if (statements) out.push(statements);
  else if (!s.readAllStats) {
    out.push({
      what: 'pg_read_all_stats',
      detail: `${s.role} is neither a superuser nor a member of pg_read_all_stats, so pg_stat_statements hides the text of other users' statements and they cannot be planned`,
      fix: `as a superuser: GRANT pg_read_all_stats TO ${s.role};`,
    });
  }
  if (!s.hypopg.available) {
    out.push({
      what: 'hypopg',
      detail: `HypoPG is not installed on the server of ${s.database}, so index candidates cannot be costed and no index is proposed`,
      fix: `install HypoPG for PostgreSQL ${s.major} on the server (Debian: apt-get install postgresql-${s.major}-hypopg), then run CREATE EXTENSION hypopg; in database ${s.database}`,
    });
  } else if (!s.hypopg.created) {
    out.push({
      what: 'hypopg',
      detail: `the extension hypopg is installed on the server but not created in database ${s.database}, so index candidates cannot be costed and no index is proposed`,
      fix: `run CREATE EXTENSION hypopg; in database ${s.database}`,
    });
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { missingPieces, type PrerequisiteState } from './prerequisites.js';

const ready: PrerequisiteState = {
  database: 'shop',
  role: 'engine',
  major: 15,
  statements: { available: true, created: true, preloaded: true, preloadSetting: 'pg_stat_statements' },
  readAllStats: true,
  hypopg: { available: true, created: true },
};
const what = (s: PrerequisiteState) => missingPieces(s).map((m) => [m.what, m.fix]);

describe('missingPieces', () => {
  it('finds nothing missing when everything is there', () => {
    expect(missingPieces(ready)).toEqual([]);
  });

  it('says how to preload pg_stat_statements, keeping the libraries already preloaded', () => {
    const s = { ...ready, statements: { available: true, created: false, preloaded: false, preloadSetting: 'auto_explain' } };
    expect(what(s)).toEqual([
      [
        'pg_stat_statements',
        "as a superuser: ALTER SYSTEM SET shared_preload_libraries = 'auto_explain,pg_stat_statements'; then restart PostgreSQL (the setting is read only at start); then run CREATE EXTENSION pg_stat_statements; in database shop as a superuser",
      ],
    ]);
  });

  it('asks only for CREATE EXTENSION when the module is preloaded, and says when the preload cannot be read', () => {
    expect(what({ ...ready, statements: { ...ready.statements, created: false } })).toEqual([['pg_stat_statements', 'run CREATE EXTENSION pg_stat_statements; in database shop as a superuser']]);
    const unknown = missingPieces({ ...ready, statements: { available: true, created: false, preloaded: null, preloadSetting: null } })[0]!;
    expect(unknown.detail).toContain('engine may not read shared_preload_libraries, so whether the module is preloaded is unknown');
  });

  it('names the package of HypoPG for the server version, or CREATE EXTENSION when it is installed', () => {
    expect(what({ ...ready, major: 16, hypopg: { available: false, created: false } })).toEqual([
      ['hypopg', 'install HypoPG for PostgreSQL 16 on the server (Debian: apt-get install postgresql-16-hypopg), then run CREATE EXTENSION hypopg; in database shop'],
    ]);
    expect(what({ ...ready, hypopg: { available: true, created: false } })).toEqual([['hypopg', 'run CREATE EXTENSION hypopg; in database shop']]);
  });

  it('asks for pg_read_all_stats when other users\' statements are hidden', () => {
    expect(what({ ...ready, readAllStats: false })).toEqual([['pg_read_all_stats', 'as a superuser: GRANT pg_read_all_stats TO engine;']]);
  });
});

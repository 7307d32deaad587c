import * as m001 from './001-core-tables.js';

/** A versioned schema change. Versions only grow; an applied migration is never edited. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, ...m001 }];

import * as m001 from './001-core-tables.js';
import * as m002 from './002-detection-alerting.js';
import * as m003 from './003-diagnosis.js';
import * as m007 from './007-tiers.js';

/** A versioned schema change. Versions only grow; an applied migration is never edited. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, ...m001 },
  { version: 2, ...m002 },
  { version: 3, ...m003 },
  { version: 7, ...m007 },
];

import * as m001 from './001-core-tables.js';
import * as m002 from './002-detection-alerting.js';
import * as m003 from './003-diagnosis.js';
import * as m004 from './004-snapshot-keys.js';
import * as m005 from './005-stream-keys.js';
import * as m006 from './006-optimizations.js';
import * as m007 from './007-tiers.js';
import * as m008 from './008-reports.js';
import * as m009 from './009-delivery.js';
import * as m011 from './011-anomaly-events.js';
import * as m013 from './013-optimization-profiles.js';

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
  { version: 4, ...m004 },
  { version: 5, ...m005 },
  { version: 6, ...m006 },
  { version: 7, ...m007 },
  { version: 8, ...m008 },
  { version: 9, ...m009 },
  // 010 and 012 were claimed by branches that did not need them.
  { version: 11, ...m011 },
  { version: 13, ...m013 },
];

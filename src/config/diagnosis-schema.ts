import { Type } from '@sinclair/typebox';

/** The diagnosis keys of the configuration schema (docs/diagnosis.md). */
export const DIAGNOSIS_KEYS = {
  diagnose_enabled: Type.Boolean({ description: 'Turn anomalies into bottlenecks of the closed set and publish performance.bottleneck_detected; switching it off resolves the open ones.' }),
  diagnose_hold_seconds: Type.Number({
    minimum: 0,
    maximum: 86400,
    description: 'A bottleneck signature must hold this long (event time) before the bottleneck is published.',
  }),
  diagnose_hold_samples: Type.Integer({
    minimum: 1,
    maximum: 1000,
    description: 'Snapshots of the source in which a signature must show before its bottleneck is published (so a long sampling interval still needs repeated evidence).',
  }),
  diagnose_clear_seconds: Type.Number({
    minimum: 0,
    maximum: 86400,
    description: 'A bottleneck whose signature has been absent this long (event time) is resolved.',
  }),
  diagnose_stale_seconds: Type.Number({
    minimum: 1,
    maximum: 604800,
    description: 'A bottleneck whose source sent nothing for this long (wall time) is resolved as stale.',
  }),
  diagnose_update_interval_seconds: Type.Number({
    minimum: 0,
    maximum: 86400,
    description: 'Shortest event time between two evidence updates of one bottleneck (escalations and new related sources are sent at once).',
  }),
};

/** Defaults of the diagnosis keys. */
export const DIAGNOSIS_DEFAULTS = {
  diagnose_enabled: true,
  diagnose_hold_seconds: 30,
  diagnose_hold_samples: 4,
  diagnose_clear_seconds: 60,
  diagnose_stale_seconds: 300,
  diagnose_update_interval_seconds: 300,
};

/** Diagnosis keys a live update may change. */
export const DIAGNOSIS_LIVE_KEYS = [
  'diagnose_enabled',
  'diagnose_hold_seconds',
  'diagnose_hold_samples',
  'diagnose_clear_seconds',
  'diagnose_stale_seconds',
  'diagnose_update_interval_seconds',
] as const;

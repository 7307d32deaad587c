import type { BottleneckKind } from '../../model/bottleneck.js';

/** The simulator's scenarios. */
export const SCENARIO_NAMES = [
  'cpu_hog',
  'memory_leak',
  'event_loop_block',
  'gc_pressure',
  'slow_db_query',
  'disk_io',
  'latency_regression',
] as const;
/** A scenario name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What the parent needs to know of a scenario without loading its code. */
export interface ScenarioInfo {
  /** The bottleneck kind of PROTOCOL.md it should be diagnosed as. */
  readonly kind: BottleneckKind;
  /** It needs PostgreSQL (skipped in embedded mode). */
  readonly needsDb: boolean;
  /** One line on what it does. */
  readonly summary: string;
}

/** Every scenario's kind, needs and one-line description. */
export const SCENARIOS: Readonly<Record<ScenarioName, ScenarioInfo>> = {
  cpu_hog: { kind: 'cpu_saturation', needsDb: false, summary: 'each request runs a prime-counting loop sized to keep about 85% of a core busy' },
  memory_leak: { kind: 'memory_leak', needsDb: false, summary: 'a session cache that is never evicted retains every request and ~2 MiB/s of objects (up to 1 GiB)' },
  event_loop_block: { kind: 'event_loop_blocked', needsDb: false, summary: 'a synchronous report build holds the loop ~300 ms every ~2 s' },
  gc_pressure: { kind: 'gc_pressure', needsDb: false, summary: 'allocation churn: short- and medium-lived objects promoted and dropped continuously' },
  slow_db_query: { kind: 'slow_db_query', needsDb: true, summary: 'a share of requests look orders up by an unindexed column (sequential scan)' },
  disk_io: { kind: 'disk_io_saturation', needsDb: false, summary: 'sustained 1 MiB writes with an fsync after each, plus an audit append per request' },
  latency_regression: { kind: 'latency_regression', needsDb: false, summary: 'version 2 of the handler awaits three serial downstream lookups (~30 ms, no CPU)' },
};

/** True when `name` is a scenario. */
export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

import type { ScenarioName } from '../scenario-catalog.js';
import { startCpuHog } from './cpu-hog.js';
import { startDiskIo } from './disk-io.js';
import { startEventLoopBlock } from './event-loop-block.js';
import { startGcPressure } from './gc-pressure.js';
import { startLatencyRegression } from './latency-regression.js';
import { startMemoryLeak } from './memory-leak.js';
import type { ScenarioStarter } from './scenario.js';
import { startSlowDbQuery } from './slow-db-query.js';

/** The install list: how each scenario is switched on inside an agent. */
export const SCENARIO_STARTERS: Readonly<Record<ScenarioName, ScenarioStarter>> = {
  cpu_hog: startCpuHog,
  memory_leak: startMemoryLeak,
  event_loop_block: startEventLoopBlock,
  gc_pressure: startGcPressure,
  slow_db_query: startSlowDbQuery,
  disk_io: startDiskIo,
  latency_regression: startLatencyRegression,
};

import type { BottleneckKind } from '../../model/bottleneck.js';
import type { Signature } from '../finding.js';
import { cpuSaturation } from './cpu-saturation.js';
import { eventLoopBlocked } from './event-loop-blocked.js';
import { gcPressure } from './gc-pressure.js';
import { diskIoSaturation, networkSaturation } from './io-saturation.js';
import { latencyRegression, slowDbQuery, unexplainedAnomaly } from './latency.js';
import { memoryLeak, memoryPressure } from './memory.js';

/** The install list: the signature of every kind of the closed set. */
export const SIGNATURES: Readonly<Record<BottleneckKind, Signature>> = {
  cpu_saturation: cpuSaturation,
  memory_pressure: memoryPressure,
  memory_leak: memoryLeak,
  disk_io_saturation: diskIoSaturation,
  network_saturation: networkSaturation,
  event_loop_blocked: eventLoopBlocked,
  gc_pressure: gcPressure,
  slow_db_query: slowDbQuery,
  latency_regression: latencyRegression,
  anomaly: unexplainedAnomaly,
};

export { cpuSaturation, diskIoSaturation, eventLoopBlocked, gcPressure, latencyRegression, memoryLeak, memoryPressure, networkSaturation, slowDbQuery, unexplainedAnomaly };

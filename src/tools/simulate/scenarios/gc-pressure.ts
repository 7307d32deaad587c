import type { RunningScenario, ScenarioContext } from './scenario.js';

/** Generations of objects kept alive at once: each lives ~RING × TICK_MS, long enough to be promoted. */
const RING = 48;
const TICK_MS = 10;
const OBJECTS_PER_TICK = 12_000;
const OBJECTS_PER_REQUEST = 4_000;

interface ChurnRecord {
  readonly id: number;
  readonly label: string;
  readonly values: readonly number[];
}

/**
 * Allocates `count` small records and stores them in `ring[slot]`, dropping the generation that
 * was there: objects that survive a few scavenges, get promoted to the old space and die there,
 * which is what makes major collections frequent.
 */
export function gcPressureChurn(ring: ChurnRecord[][], slot: number, count: number): number {
  const generation: ChurnRecord[] = new Array(count);
  for (let i = 0; i < count; i++) generation[i] = { id: i, label: `r${slot}:${i}`, values: [i, i * 2, i * 3] };
  ring[slot] = generation;
  return generation.length;
}

/** Short-lived garbage per request: temporary arrays and strings thrown away at once. */
function gcPressureTemporaries(count: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const tmp = { k: `t${i}`, v: [i, i + 1] };
    total += tmp.v.length;
  }
  return total;
}

/** `gc_pressure`: continuous allocation churn in the background and per request. */
export function startGcPressure(ctx: ScenarioContext): RunningScenario {
  const ring: ChurnRecord[][] = new Array(RING).fill([]);
  let slot = 0;
  const timer = setInterval(() => {
    gcPressureChurn(ring, slot, OBJECTS_PER_TICK);
    slot = (slot + 1) % RING;
  }, TICK_MS);
  const hook = () => {
    gcPressureTemporaries(OBJECTS_PER_REQUEST);
  };
  ctx.workload.hooks.add(hook);
  ctx.log.info({ objectsPerSecond: (OBJECTS_PER_TICK * 1000) / TICK_MS }, 'gc_pressure on');
  return {
    stop() {
      clearInterval(timer);
      ctx.workload.hooks.delete(hook);
      ring.fill([]);
    },
  };
}

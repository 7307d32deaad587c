import type { RunningScenario, ScenarioContext } from './scenario.js';

const BLOCK_MS = 300;
const EVERY_MS = 2000;
const JITTER_MS = 500;

/**
 * Builds a "report" synchronously for `ms` milliseconds: aggregates records in a tight loop in
 * this function's own body (so a profile names it), holding the event loop the whole time.
 */
export function eventLoopBlockBuildReport(ms: number): number {
  const deadline = performance.now() + ms;
  const totals = new Float64Array(64);
  let rows = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 20_000; i++, rows++) {
      const key = (rows * 2654435761) >>> 26;
      totals[key] = totals[key]! + ((rows % 1013) * 0.37 + Math.sqrt(rows & 1023));
    }
  }
  return rows + totals[0]!;
}

/** `event_loop_block`: every ~2 s (±0.5 s) a synchronous report holds the loop for ~300 ms. */
export function startEventLoopBlock(ctx: ScenarioContext): RunningScenario {
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    timer = setTimeout(() => {
      eventLoopBlockBuildReport(BLOCK_MS);
      schedule();
    }, EVERY_MS + (Math.random() * 2 - 1) * JITTER_MS);
  };
  schedule();
  ctx.log.info({ blockMs: BLOCK_MS, everyMs: EVERY_MS }, 'event_loop_block on');
  return {
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}

import type { RunningScenario, ScenarioContext } from './scenario.js';

/** Share of one core the hog aims at, through the requests it receives. */
const TARGET_CORE_SHARE = 0.85;

/**
 * Counts primes by trial division for `ms` milliseconds: the scenario's hot function, named so a
 * CPU profile points at it. The arithmetic stays in this function's own body so its samples are
 * self time here, not in a callee.
 */
export function cpuHogCrunchPrimes(ms: number): number {
  const deadline = performance.now() + ms;
  let found = 0;
  let n = 2;
  for (;;) {
    for (let k = 0; k < 200; k++, n++) {
      let prime = n > 1;
      for (let d = 2; d * d <= n; d++) {
        if (n % d === 0) {
          prime = false;
          break;
        }
      }
      if (prime) found++;
    }
    if (performance.now() >= deadline) return found;
    if (n > 2_000_000) n = 2;
  }
}

/** CPU work per request that keeps about 85% of a core busy at the agent's request rate (1-40 ms). */
export function cpuHogMsPerRequest(ratePerAgent: number): number {
  return Math.min(40, Math.max(1, (1000 * TARGET_CORE_SHARE) / Math.max(1, ratePerAgent)));
}

/** `cpu_hog`: every request burns CPU in a busy computation before answering. */
export function startCpuHog(ctx: ScenarioContext): RunningScenario {
  const ms = cpuHogMsPerRequest(ctx.ratePerAgent);
  // Named too: once optimized, V8 may inline the crunch here, and a CPU profile then gives its
  // time to this function instead.
  const cpuHogOnRequest = () => {
    cpuHogCrunchPrimes(ms);
  };
  ctx.workload.hooks.add(cpuHogOnRequest);
  ctx.log.info({ msPerRequest: ms }, 'cpu_hog on');
  return { stop: () => void ctx.workload.hooks.delete(cpuHogOnRequest) };
}

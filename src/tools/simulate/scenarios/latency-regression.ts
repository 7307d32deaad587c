import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningScenario, ScenarioContext } from './scenario.js';

/** The version label the agent carries normally, and while the regression is deployed. */
export const BASELINE_VERSION = '1.4.2';
export const REGRESSED_VERSION = '1.5.0';

const LOOKUPS = 3;
const LOOKUP_MS = 9;

/**
 * Version 1.5.0's enrichment step: three lookups to a downstream service, awaited one after the
 * other where 1.4.2 made none. Waiting, not computing: latency grows, CPU does not.
 */
export async function latencyRegressionEnrichV2(): Promise<void> {
  for (let i = 0; i < LOOKUPS; i++) await sleep(LOOKUP_MS + Math.random() * 2);
}

/** `latency_regression`: the "new version" of the handler is deployed (label `version` changes). */
export function startLatencyRegression(ctx: ScenarioContext): RunningScenario {
  const hook = () => latencyRegressionEnrichV2();
  ctx.workload.hooks.add(hook);
  ctx.agent.setLabels({ version: REGRESSED_VERSION });
  ctx.log.info({ version: REGRESSED_VERSION }, 'latency_regression on');
  return {
    stop() {
      ctx.workload.hooks.delete(hook);
      ctx.agent.setLabels({ version: BASELINE_VERSION });
    },
  };
}

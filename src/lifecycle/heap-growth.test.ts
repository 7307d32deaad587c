import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyHeapGrowth } from './heap-growth.js';

/** The old generation's peak in a fresh process that churns promoted garbage (test/fixtures/lifecycle/heap-churn.ts). */
function peakOldMiB(percent: number): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve('test/fixtures/lifecycle/heap-churn.ts'), String(percent)], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { peakOldMiB: number }).peakOldMiB;
}

describe('heap_growth_percent', () => {
  it('keeps the old generation near the live data where V8 alone lets garbage pile up', () => {
    const bounded = peakOldMiB(20);
    const v8Default = peakOldMiB(0);
    // About 60 MiB live: V8's own factor let it reach 350-450 MiB here, 20% kept it at 115-145 MiB.
    expect(bounded).toBeLessThan(200);
    expect(bounded).toBeLessThan(v8Default * 0.6);
  }, 120_000);

  it('refuses what is not a whole number of percent', () => {
    expect(() => applyHeapGrowth(-1)).toThrow(/whole number/);
    expect(() => applyHeapGrowth(12.5)).toThrow(/whole number/);
  });
});

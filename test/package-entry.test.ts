import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
};

// npm test builds dist/ first, so these are the files a user of the package gets.
describe('package entry points', () => {
  it('every main, bin and exports path exists in the build', () => {
    const paths = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const [key, v] of Object.entries(pkg.exports)) {
      if (key.includes('*')) continue;
      if (typeof v === 'string') paths.push(v);
      else paths.push(v.types, v.default);
    }
    for (const p of paths) expect(existsSync(resolve(REPO, p)), p).toBe(true);
  });

  it('the main entry loads and gives the engine, the wire contract and the detector', async () => {
    const api = (await import(resolve(REPO, pkg.main))) as Record<string, unknown>;
    expect(typeof api.PerformanceEngine).toBe('function');
    expect(typeof api.createSeriesDetector).toBe('function');
    expect(api.SUBJECTS).toMatchObject({ realtimeMetrics: 'monitoring.realtime_metrics' });
    expect(api.BOTTLENECK_KINDS).toContain('event_loop_blocked');
  });

  it('the agent SDK entry loads and gives the agent classes', async () => {
    const sdk = (await import(resolve(REPO, (pkg.exports['./agent'] as { default: string }).default))) as Record<string, unknown>;
    expect(typeof sdk.Agent).toBe('function');
    expect(typeof sdk.BaseAgent).toBe('function');
  });
});

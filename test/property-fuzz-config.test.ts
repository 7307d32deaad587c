import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigFile, configFileCases } from './helpers/fuzz-config.js';

/** Cases; raise it (`PROPERTY_RUNS_CONFIG=10000`) for a longer hunt, or run `npm run bench -- property-fuzz`. */
const RUNS = Number(process.env.PROPERTY_RUNS_CONFIG ?? 250);
const dir = mkdtempSync(join(tmpdir(), 'perf-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`adversarial configuration files (${RUNS} cases, JSON and YAML)`, () => {
  it('each gives a validated configuration holding exactly the file\'s values, or a ConfigError naming the file\'s keys', () => {
    let n = 0;
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(configFileCases, (c) => {
        const outcome = checkConfigFile(dir, c, n++);
        if (outcome.accepted) accepted++;
        else rejected++;
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  }, Math.max(60_000, RUNS * 40));
});

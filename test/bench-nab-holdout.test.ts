import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdoutGroups, rescaleScore } from '../bench/lib/nab-holdout.js';

// The held-out NAB figures rest on two pieces of the benchmark's own: the rescaling that applies a
// threshold per file in one scorer run, and the grouping.
describe('NAB held-out scoring (bench/lib/nab-holdout.ts)', () => {
  it('rescales a score so that it reaches 0.5 exactly when it reaches the file\'s threshold, staying in [0, 1]', () => {
    const unit = fc.double({ min: 0, max: 1, noNaN: true });
    const threshold = fc.oneof(unit, fc.constant(1.1), fc.constant(1), fc.constant(0));
    fc.assert(
      fc.property(unit, threshold, (score, t) => {
        const r = rescaleScore(score, t);
        expect(r >= 0.5).toBe(score >= t);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(1);
      }),
      { numRuns: 5000 },
    );
    // Order among rows on the same side is kept, so the scorer sees the same detections.
    expect(rescaleScore(0.6, 0.55)).toBeLessThan(rescaleScore(0.7, 0.55));
    expect(rescaleScore(0.2, 0.55)).toBeLessThan(rescaleScore(0.3, 0.55));
  });

  it('groups files by category or one per file', () => {
    const files = ['a/1.csv', 'a/2.csv', 'b/3.csv'];
    expect(holdoutGroups(files, 'category')).toEqual([
      { name: 'a', files: ['a/1.csv', 'a/2.csv'] },
      { name: 'b', files: ['b/3.csv'] },
    ]);
    expect(holdoutGroups(files, 'file').map((g) => g.files)).toEqual([['a/1.csv'], ['a/2.csv'], ['b/3.csv']]);
  });
});

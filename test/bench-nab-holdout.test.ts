import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROFILES, holdoutGroups, rescaleScore, scoreNested, type Profile, type ProfileResult, type RunScorer } from '../bench/lib/nab-holdout.js';

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

  it('nested: chooses each group\'s configuration and threshold on the other files only, and scores the group with them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nab-nested-'));
    try {
      const files = ['a/1.csv', 'b/2.csv', 'c/3.csv'];
      // Two configurations; each file's "quality" under each (what the fake scorer sums over a tree).
      const quality: Record<string, number[]> = { 'a/1.csv': [1, 5], 'b/2.csv': [4, 1], 'c/3.csv': [4, 1] };
      const dirs = [0, 1].map((c) => {
        const dir = join(root, `config-${c}`);
        for (const f of files) {
          mkdirSync(join(dir, f.split('/')[0]!), { recursive: true });
          writeFileSync(join(dir, f), `timestamp,value,anomaly_score\nt,1,${quality[f]![c]! / 10}\n`);
        }
        return dir;
      });
      const data = join(root, 'data');
      for (const f of files) {
        mkdirSync(join(data, f.split('/')[0]!), { recursive: true });
        writeFileSync(join(data, f), 'timestamp,value\nt,1\n');
      }
      const finals: string[][] = [];
      // Sums the last score of every result file in the tree; its "threshold" is that sum.
      const score: RunScorer = async (_data, results, thresholds) => {
        const rows: string[] = [];
        for (const cat of readdirSync(results)) for (const f of readdirSync(join(results, cat))) rows.push(readFileSync(join(results, cat, f), 'utf8').trim().split(',').at(-1)!);
        if (thresholds) finals.push(rows);
        const total = rows.reduce((a, r) => a + Number(r), 0);
        const r: ProfileResult = { score: total, threshold: total, tp: 0, fn: 0, fp: 0 };
        return Object.fromEntries(PROFILES.map((p) => [p, r])) as Record<Profile, ProfileResult>;
      };
      const nested = await scoreNested({ dataDir: data, configs: [{ name: 'zero', resultsDir: dirs[0]! }, { name: 'one', resultsDir: dirs[1]! }], files, groups: holdoutGroups(files, 'file'), workDir: join(root, 'work'), score });
      // Without a/1 the others prefer config zero (0.8 against 0.2); without b/2 or c/3, zero sums 0.5 and
      // one 0.6. So a/1 is scored with zero, b/2 and c/3 with one (with the held-out file counted, zero would win all three).
      expect(nested.chosen.standard).toEqual({ zero: 1, one: 2 });
      expect(finals).toHaveLength(PROFILES.length);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});


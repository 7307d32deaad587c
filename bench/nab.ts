import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { detectTree, listCsv } from '../src/cli/detect.js';
import type { DetectorOptions } from '../src/detect/anomaly/index.js';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { PROFILES, holdoutGroups, scoreHeldOut, scoreNested, type ConfigResults, type Profile, type ProfileResult, type RunScorer } from './lib/nab-holdout.js';

/** The published detectors the issue names, as keyed in reference-scores.json. */
const REFERENCES = [['ARTime', 'ARTime'], ['contextOSE', 'CAD OSE'], ['numenta', 'HTM']] as const;
const FLOOR = 75;
/** Largest whole-corpus minus held-out score that still says the score generalises. */
const HOLDOUT_GAP = 3;

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** NAB_DIR, or the shared copy beside the repository. */
function nabDir(): string {
  return process.env.NAB_DIR ?? resolve(repoRoot, '../shared/data/nab');
}

/** NAB_SCORER, or the shared scorer beside the repository. */
function scorerPath(): string {
  return process.env.NAB_SCORER ?? resolve(repoRoot, '../shared/tools/nab-score.mjs');
}

const nab: Benchmark = {
  name: 'nab',
  description: 'Numenta Anomaly Benchmark: the online detector over every NAB file, scored by NAB rules beside the published detectors (args: --no-holdout, --nested)',
  async run(ctx): Promise<Figure[]> {
    const dir = nabDir();
    const results = join(ctx.tmpDir, 'results');
    const started = performance.now();
    const { files, rows } = detectTree(join(dir, 'data'), results);
    const seconds = (performance.now() - started) / 1000;
    ctx.log(`scored ${rows} rows of ${files} files in ${seconds.toFixed(2)} s (parse, detect, write)`);
    const score = scorer(join(dir, 'combined_windows.json'));
    const whole = await score(join(dir, 'data'), results);
    const refs = JSON.parse(readFileSync(join(dir, 'reference-scores.json'), 'utf8')) as {
      detectors: Record<string, Record<string, { score: number }>>;
    };
    const wholeFigures = PROFILES.map((profile) => {
      const ours = whole[profile];
      const published = REFERENCES.map(([key, label]) => ({ label, score: refs.detectors[key]![profile]!.score }));
      const best = published.reduce((a, b) => (b.score > a.score ? b : a));
      return figure({
        bench: 'nab',
        name: `NAB score, ${profile}`,
        value: ours.score,
        unit: 'points',
        reference: { name: `${best.label} (best published on these files)`, value: best.score, unit: 'points' },
        target: `>= every published detector and >= ${FLOOR}`,
        met: ours.score >= best.score && ours.score >= FLOOR,
        notes: `threshold ${ours.threshold.toPrecision(6)}, windows TP ${ours.tp} FN ${ours.fn}, FP ${ours.fp}; `
          + published.map((p) => `${p.label} ${p.score.toFixed(1)}`).join(', ')
          + `; ${files} files, ${rows} rows`,
      });
    });
    if (ctx.args.includes('--no-holdout')) return wholeFigures;
    const held = await heldOutFigures(ctx, join(dir, 'data'), results, whole, score);
    if (!ctx.args.includes('--nested')) return [...wholeFigures, ...held];
    return [...wholeFigures, ...held, ...(await nestedFigures(ctx, join(dir, 'data'), whole, score))];
  },
};

/** Runs the shared scorer, optionally at fixed thresholds, and gives its scores per profile. */
function scorer(labels: string): RunScorer {
  return async (data, results, thresholds = {}) => {
    const fixed = Object.entries(thresholds).flatMap(([p, t]) => ['--threshold', `${p}=${t}`]);
    const args = [scorerPath(), '--data', data, '--labels', labels, '--results', results, '--json', ...fixed];
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 << 20 });
    return (JSON.parse(stdout) as { profiles: Record<Profile, ProfileResult> }).profiles;
  };
}

/** Leave-one-category-out and leave-one-file-out scores beside the whole-corpus ones. */
async function heldOutFigures(ctx: BenchContext, data: string, results: string, whole: Record<Profile, ProfileResult>, score: RunScorer): Promise<Figure[]> {
  const files = listCsv(data);
  const out: Figure[] = [];
  for (const by of ['category', 'file'] as const) {
    const started = performance.now();
    const groups = holdoutGroups(files, by);
    const workDir = join(ctx.tmpDir, `holdout-${by}`);
    mkdirSync(workDir);
    const held = await scoreHeldOut({ dataDir: data, resultsDir: results, files, groups, workDir, score });
    ctx.log(`held out by ${by}: ${groups.length} groups scored in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (by === 'category') {
      for (const g of held.groups) ctx.log(`  ${g.group}: thresholds ${PROFILES.map((p) => g.thresholds[p].toFixed(4)).join(' / ')}`);
    }
    for (const profile of PROFILES) {
      const ours = held.scores[profile];
      const spread = held.groups.map((g) => g.thresholds[profile]);
      out.push(figure({
        bench: 'nab',
        name: `NAB score held out by ${by}, ${profile}`,
        value: ours.score,
        unit: 'points',
        reference: { name: 'the same detector, threshold chosen on the whole corpus', value: whole[profile].score, unit: 'points' },
        target: `within ${HOLDOUT_GAP} points of the whole-corpus score`,
        met: whole[profile].score - ours.score < HOLDOUT_GAP,
        notes: `each of ${groups.length} ${by === 'category' ? 'categories' : 'files'} scored at the threshold NAB's optimiser chose on all other files `
          + `(${Math.min(...spread).toFixed(4)} to ${Math.max(...spread).toFixed(4)}), all scored together; windows TP ${ours.tp} FN ${ours.fn}, FP ${ours.fp}`,
      }));
    }
  }
  return out;
}

/**
 * The options the sweeps tuned most finely on the whole corpus (docs/detection.md): the coarse
 * core's block and learning period, three values each around the defaults.
 */
const NESTED_GRID: readonly Partial<DetectorOptions>[] = [16, 32, 48].flatMap((coarseBlock) =>
  [60, 80, 100].map((coarseLearningPeriod) => ({ coarseBlock, coarseLearningPeriod })),
);

/**
 * Nested held-out scores (`--nested`): each held-out group is scored with the options of
 * {@link NESTED_GRID} and the threshold that NAB's optimiser found best on every other file, so
 * that neither is chosen with the group. A gap to the whole-corpus score here is what tuning the
 * options on the whole corpus was worth.
 */
async function nestedFigures(ctx: BenchContext, data: string, whole: Record<Profile, ProfileResult>, score: RunScorer): Promise<Figure[]> {
  const configs: ConfigResults[] = NESTED_GRID.map((o, i) => {
    const resultsDir = join(ctx.tmpDir, `nested-config-${i}`);
    detectTree(data, resultsDir, o);
    return { name: `block ${o.coarseBlock}, learning ${o.coarseLearningPeriod}`, resultsDir };
  });
  const files = listCsv(data);
  const out: Figure[] = [];
  for (const by of ['category', 'file'] as const) {
    const started = performance.now();
    const groups = holdoutGroups(files, by);
    const workDir = join(ctx.tmpDir, `nested-${by}`);
    mkdirSync(workDir);
    const nested = await scoreNested({ dataDir: data, configs, files, groups, workDir, score });
    ctx.log(`nested, held out by ${by}: ${groups.length} groups x ${configs.length} configurations in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    for (const profile of PROFILES) {
      const ours = nested.scores[profile];
      const picks = Object.entries(nested.chosen[profile]).sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name}: ${n}`).join('; ');
      out.push(figure({
        bench: 'nab',
        name: `NAB score held out by ${by}, options and threshold chosen without it, ${profile}`,
        value: ours.score,
        unit: 'points',
        reference: { name: 'the defaults, threshold chosen on the whole corpus', value: whole[profile].score, unit: 'points' },
        target: `within ${HOLDOUT_GAP} points of the whole-corpus score`,
        met: whole[profile].score - ours.score < HOLDOUT_GAP,
        notes: `chosen per group (${picks}); windows TP ${ours.tp} FN ${ours.fn}, FP ${ours.fp}`,
      }));
    }
  }
  return out;
}

export default nab;

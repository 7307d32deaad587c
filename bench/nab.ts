import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { detectTree } from '../src/cli/detect.js';
import { figure, type Benchmark, type Figure } from './figure.js';

const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;
/** The published detectors the issue names, as keyed in reference-scores.json. */
const REFERENCES = [['ARTime', 'ARTime'], ['contextOSE', 'CAD OSE'], ['numenta', 'HTM']] as const;
const FLOOR = 75;

interface ProfileResult {
  readonly score: number;
  readonly threshold: number;
  readonly tp: number;
  readonly fn: number;
  readonly fp: number;
}

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
  description: 'Numenta Anomaly Benchmark: the online detector over every NAB file, scored by NAB rules beside the published detectors',
  async run(ctx): Promise<Figure[]> {
    const dir = nabDir();
    const results = join(ctx.tmpDir, 'results');
    const started = performance.now();
    const { files, rows } = detectTree(join(dir, 'data'), results);
    const seconds = (performance.now() - started) / 1000;
    ctx.log(`scored ${rows} rows of ${files} files in ${seconds.toFixed(2)} s (parse, detect, write)`);
    const args = [scorerPath(), '--data', join(dir, 'data'), '--labels', join(dir, 'combined_windows.json'), '--results', results, '--json'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 << 20 });
    const scored = JSON.parse(stdout) as { profiles: Record<string, ProfileResult> };
    const refs = JSON.parse(readFileSync(join(dir, 'reference-scores.json'), 'utf8')) as {
      detectors: Record<string, Record<string, { score: number }>>;
    };
    return PROFILES.map((profile) => {
      const ours = scored.profiles[profile]!;
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
  },
};

export default nab;

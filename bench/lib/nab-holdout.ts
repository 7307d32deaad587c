import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Held-out NAB scores: is the detector's score a property of the method or of the files it was
// tuned on? For each held-out group (a category, or a single file), the threshold is chosen by
// NAB's optimiser on every other file, and the group is scored at that threshold. The groups'
// detections are then scored together, normalised over the whole corpus as the whole-corpus score
// is, so the two figures differ only in where each file's threshold came from.

export const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;
export type Profile = (typeof PROFILES)[number];

/** What the shared scorer says of one profile. */
export interface ProfileResult {
  readonly score: number;
  readonly threshold: number;
  readonly tp: number;
  readonly fn: number;
  readonly fp: number;
}

/** Runs the shared scorer on a data folder and a results folder (optionally at fixed thresholds). */
export type RunScorer = (dataDir: string, resultsDir: string, thresholds?: Partial<Record<Profile, number>>) => Promise<Record<Profile, ProfileResult>>;

/** A group of files held out together, named for the report. */
export interface HoldoutGroup {
  readonly name: string;
  readonly files: readonly string[];
}

/** The groups of one kind: one per category (first path part), or one per file. */
export function holdoutGroups(files: readonly string[], by: 'category' | 'file'): HoldoutGroup[] {
  if (by === 'file') return files.map((f) => ({ name: f, files: [f] }));
  const byCategory = new Map<string, string[]>();
  for (const f of files) {
    const category = f.split('/')[0]!;
    byCategory.set(category, [...(byCategory.get(category) ?? []), f]);
  }
  return [...byCategory].map(([name, members]) => ({ name, files: members }));
}

/** A folder holding links to `files` (relative paths) of `from`, in the same layout. */
function linkedTree(from: string, to: string, files: readonly string[]): string {
  for (const f of files) {
    mkdirSync(dirname(join(to, f)), { recursive: true });
    symlinkSync(join(from, f), join(to, f));
  }
  return to;
}

/**
 * Maps a score so that `threshold` becomes 0.5 without changing which rows reach it: rows at or
 * above it land in [0.5, 1], rows below it in [0, 0.5). Lets one scorer run apply a threshold per file.
 */
export function rescaleScore(score: number, threshold: number): number {
  if (score >= threshold) return threshold >= 1 ? 1 : Math.max(0.5, 0.5 + (0.5 * (score - threshold)) / (1 - threshold));
  return Math.min(0.4999999, (0.5 * score) / threshold);
}

/** Copies a detector result file with every score rescaled around `threshold`. */
function writeRescaled(source: string, target: string, threshold: number): void {
  const lines = readFileSync(source, 'utf8').split('\n');
  const out = lines.map((line, i) => {
    if (i === 0 || line === '') return line;
    const cut = line.lastIndexOf(',');
    return `${line.slice(0, cut)},${rescaleScore(Number(line.slice(cut + 1)), threshold)}`;
  });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, out.join('\n'));
}

/** What held-out scoring works on: the data, its files (relative paths), the groups, a scratch folder, the scorer. */
export interface HoldoutInput {
  readonly dataDir: string;
  readonly files: readonly string[];
  readonly groups: readonly HoldoutGroup[];
  /** An empty scratch folder. */
  readonly workDir: string;
  readonly score: RunScorer;
}

/** Runs `job(0)` .. `job(count - 1)`, two at a time (two cores: each job is a scorer process). */
async function twoAtATime(count: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all([worker(), worker()]);
}

/** Scores every file but the group's (NAB's optimiser picks each profile's threshold there), through links under `dir`. */
function scoreWithout(input: HoldoutInput, group: HoldoutGroup, resultsDir: string, dir: string): Promise<Record<Profile, ProfileResult>> {
  const held = new Set(group.files);
  const rest = input.files.filter((f) => !held.has(f));
  return input.score(linkedTree(input.dataDir, join(dir, 'data'), rest), linkedTree(resultsDir, join(dir, 'results'), rest));
}

/** Per group and profile: the threshold chosen without it. */
export interface HeldOutThresholds {
  readonly group: string;
  readonly thresholds: Record<Profile, number>;
}

/** The held-out score of each profile, with each group's threshold (chosen on every other file). */
export interface HoldoutResult {
  readonly scores: Record<Profile, ProfileResult>;
  readonly groups: readonly HeldOutThresholds[];
}

/**
 * Scores `files` (relative to `dataDir` and `resultsDir`) with each group held out in turn.
 * `workDir` is an empty scratch folder. Groups are scored two at a time (two cores).
 */
export async function scoreHeldOut(opts: HoldoutInput & { readonly resultsDir: string }): Promise<HoldoutResult> {
  const { dataDir, resultsDir, files, groups, workDir, score } = opts;
  const chosen: HeldOutThresholds[] = new Array(groups.length);
  await twoAtATime(groups.length, async (i) => {
    const scored = await scoreWithout(opts, groups[i]!, resultsDir, join(workDir, `train-${i}`));
    chosen[i] = { group: groups[i]!.name, thresholds: Object.fromEntries(PROFILES.map((p) => [p, scored[p].threshold])) as Record<Profile, number> };
  });

  const thresholdOf = new Map<string, Record<Profile, number>>();
  groups.forEach((g, i) => g.files.forEach((f) => thresholdOf.set(f, chosen[i]!.thresholds)));
  const scores = {} as Record<Profile, ProfileResult>;
  for (const profile of PROFILES) {
    const rescaled = join(workDir, `held-out-${profile}`);
    for (const f of files) writeRescaled(join(resultsDir, f), join(rescaled, f), thresholdOf.get(f)![profile]);
    scores[profile] = (await score(dataDir, rescaled, { [profile]: 0.5 }))[profile];
  }
  return { scores, groups: chosen };
}

/** One configuration of the detector and the folder of its results (same layout as the data). */
export interface ConfigResults {
  readonly name: string;
  readonly resultsDir: string;
}

/** The nested held-out score of each profile, and how often each configuration was chosen. */
export interface NestedResult {
  readonly scores: Record<Profile, ProfileResult>;
  /** Per profile: configuration name -> groups for which it was chosen. */
  readonly chosen: Record<Profile, Record<string, number>>;
}

/**
 * Nested held-out scoring: for each group, both the configuration and its threshold are chosen by
 * NAB's optimiser on every other file (the configuration whose best score there is highest), and
 * the group is scored with that configuration's results at that threshold; then all groups'
 * detections are scored together, as in {@link scoreHeldOut}. Nothing about a held-out file,
 * neither its threshold nor the detector's options, is chosen with it.
 */
export async function scoreNested(opts: HoldoutInput & { readonly configs: readonly ConfigResults[] }): Promise<NestedResult> {
  const { dataDir, configs, groups, workDir, score } = opts;
  const trained: Record<Profile, ProfileResult>[][] = groups.map(() => new Array(configs.length));
  await twoAtATime(groups.length * configs.length, async (job) => {
    const g = Math.floor(job / configs.length);
    const c = job % configs.length;
    trained[g]![c] = await scoreWithout(opts, groups[g]!, configs[c]!.resultsDir, join(workDir, `train-${g}-${c}`));
  });

  const scores = {} as Record<Profile, ProfileResult>;
  const chosen = {} as Record<Profile, Record<string, number>>;
  for (const profile of PROFILES) {
    chosen[profile] = {};
    const rescaled = join(workDir, `nested-${profile}`);
    groups.forEach((group, g) => {
      let best = 0;
      trained[g]!.forEach((r, c) => {
        if (r[profile].score > trained[g]![best]![profile].score) best = c;
      });
      const name = configs[best]!.name;
      chosen[profile][name] = (chosen[profile][name] ?? 0) + 1;
      const threshold = trained[g]![best]![profile].threshold;
      for (const f of group.files) writeRescaled(join(configs[best]!.resultsDir, f), join(rescaled, f), threshold);
    });
    scores[profile] = (await score(dataDir, rescaled, { [profile]: 0.5 }))[profile];
  }
  return { scores, chosen };
}

import type { CpuProfileIndex } from '../../profile/analysis/cpu-profile.js';
import type { BlockingStack } from '../../profile/analysis/event-loop-report.js';
import type { PathFrame } from '../../profile/analysis/hot-paths.js';
import { displayName } from '../../profile/analysis/profile-tree.js';

/** A stretch during which the loop did not turn, on the CPU profile's clock (microseconds). */
export interface LoopGap {
  readonly startUs: number;
  readonly endUs: number;
}

const NON_JS = new Set(['(root)', '(idle)', '(program)', '(garbage collector)']);

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function sampleTimes(profile: CpuProfileIndex): { times: Float64Array; order: Int32Array } {
  const n = profile.samples.length;
  const times = new Float64Array(n);
  let t = profile.startTime;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    t += profile.timeDeltas[i] ?? 0;
    times[i] = t;
    if (i > 0 && t < times[i - 1]!) sorted = false;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (!sorted) order.sort((a, b) => times[a]! - times[b]! || a - b);
  return { times, order };
}

function stackOf(profile: CpuProfileIndex, node: number): PathFrame[] {
  const frames: PathFrame[] = [];
  for (let i = node; i > 0; i = profile.parent[i]!) {
    const fn = profile.functions[profile.nodeFunction[i]!]!;
    frames.push({ function: displayName(fn.name), url: fn.url, line: fn.line });
  }
  return frames.reverse();
}

/**
 * Names the stack that held the loop in each gap: among the CPU samples taken inside the gap, the
 * profile node (hence the whole stack) sampled most often, preferring JavaScript frames over
 * `(program)` and `(garbage collector)`, and never `(idle)`. A gap without samples (the sampler
 * was starved, or the profile is missing) gets an empty stack. `at_ms` is measured from
 * `captureStartUs`; blocks come out in time order.
 */
export function attributeBlocks(gaps: readonly LoopGap[], profile: CpuProfileIndex | null, captureStartUs: number): BlockingStack[] {
  const sortedGaps = [...gaps].sort((a, b) => a.startUs - b.startUs);
  const timeline = profile ? sampleTimes(profile) : null;
  let cursor = 0;
  return sortedGaps.map((gap) => {
    let stack: PathFrame[] = [];
    if (profile && timeline) {
      const { times, order } = timeline;
      while (cursor < order.length && times[order[cursor]!]! < gap.startUs) cursor++;
      const js = new Map<number, number>();
      const meta = new Map<number, number>();
      for (let k = cursor; k < order.length && times[order[k]!]! <= gap.endUs; k++) {
        const node = profile.samples[order[k]!]!;
        const name = profile.functions[profile.nodeFunction[node]!]!.name;
        if (name === '(idle)' || name === '(root)') continue;
        const into = NON_JS.has(name) && profile.parent[node] === 0 ? meta : js;
        into.set(node, (into.get(node) ?? 0) + 1);
      }
      const best = mostFrequent(js.size > 0 ? js : meta);
      if (best >= 0) stack = stackOf(profile, best);
    }
    return { duration_ms: round3((gap.endUs - gap.startUs) / 1000), at_ms: round3((gap.startUs - captureStartUs) / 1000), stack };
  });
}

function mostFrequent(counts: Map<number, number>): number {
  let best = -1;
  let bestCount = 0;
  for (const [node, count] of counts) {
    if (count > bestCount || (count === bestCount && node < best)) {
      best = node;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Keeps the `keep` longest gaps (ties: earliest), in time order: a capture records every stall
 * above its threshold and must stay bounded however many there are.
 */
export function longestGaps(gaps: readonly LoopGap[], keep: number): LoopGap[] {
  return [...gaps]
    .sort((a, b) => b.endUs - b.startUs - (a.endUs - a.startUs) || a.startUs - b.startUs)
    .slice(0, Math.max(0, keep))
    .sort((a, b) => a.startUs - b.startUs);
}

import type { CpuProfileIndex } from './cpu-profile.js';

/** The V8 names of the meta nodes that hang off the root: time not spent in JavaScript frames. */
export const META_FUNCTIONS = ['(root)', '(program)', '(idle)', '(garbage collector)'] as const;

/** Samples in time order with the time each one stands for, as Chrome DevTools' performance panel counts it. */
export interface SampleTimeline {
  /** Node index per sample, sorted by timestamp. */
  readonly nodes: Int32Array;
  /** Microseconds each sample stands for: the gap to the next sample; the last one gets the mean gap. */
  readonly durations: Float64Array;
  /** Timestamp of the first sample (or the profile's startTime when there are none). */
  readonly startTime: number;
  /** The first sample's timestamp plus the sum of durations. */
  readonly endTime: number;
}

/** Options of `sampleTimeline`. */
export interface TimelineOptions {
  /**
   * Give a lone `(program)` sample between two samples under the same top-level frame to the
   * preceding stack, as DevTools does (the sampler failed to walk the JS stack). Default true.
   */
  readonly fixLoneProgramSamples?: boolean;
}

/**
 * Builds the sample timeline from `timeDeltas`: timestamps are accumulated from `startTime`, sorted
 * (V8 may write small negative deltas), and each sample lasts until the next one. A profile without
 * samples yields an empty timeline.
 */
export function sampleTimeline(profile: CpuProfileIndex, options: TimelineOptions = {}): SampleTimeline {
  const n = profile.samples.length;
  // One array holds the timestamps, then is turned into durations in place.
  const times = new Float64Array(n);
  const nodes = Int32Array.from(profile.samples);
  let t = profile.startTime;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    if (delta < 0) sorted = false;
    t += delta;
    times[i] = t;
  }
  if (!sorted) sortByTime(times, nodes);
  if (options.fixLoneProgramSamples ?? true) fixLoneProgramSamples(profile, nodes);
  if (n === 0) return { nodes, durations: times, startTime: profile.startTime, endTime: profile.endTime };
  const startTime = times[0]!;
  const last = times[n - 1]!;
  for (let i = 0; i + 1 < n; i++) times[i] = times[i + 1]! - times[i]!;
  times[n - 1] = n > 1 ? (last - startTime) / (n - 1) : Math.max(0, profile.endTime - last);
  return { nodes, durations: times, startTime, endTime: last + times[n - 1]! };
}

/**
 * Sorts samples by timestamp in place, stable. V8's disorder is local (a sample a few microseconds
 * before its predecessor), so an insertion sort is linear here; heavily shuffled input falls back
 * to a full sort.
 */
function sortByTime(times: Float64Array, nodes: Int32Array): void {
  const n = times.length;
  let moves = 0;
  for (let i = 1; i < n; i++) {
    const t = times[i]!;
    if (t >= times[i - 1]!) continue;
    const node = nodes[i]!;
    let j = i - 1;
    while (j >= 0 && times[j]! > t) {
      times[j + 1] = times[j]!;
      nodes[j + 1] = nodes[j]!;
      j--;
      if (++moves > 8 * n) {
        times[j + 1] = t;
        nodes[j + 1] = node;
        return fullSort(times, nodes);
      }
    }
    times[j + 1] = t;
    nodes[j + 1] = node;
  }
}

function fullSort(times: Float64Array, nodes: Int32Array): void {
  const order = Array.from({ length: times.length }, (_, i) => i);
  order.sort((a, b) => times[a]! - times[b]! || a - b);
  const t = Float64Array.from(order, (i) => times[i]!);
  const v = Int32Array.from(order, (i) => nodes[i]!);
  times.set(t);
  nodes.set(v);
}

function fixLoneProgramSamples(profile: CpuProfileIndex, nodes: Int32Array): void {
  const meta = topLevelMetaNodes(profile);
  if (meta.program < 0 || nodes.length < 3) return;
  const top = topLevelAncestors(profile);
  const isMeta = (node: number): boolean => node === meta.program || node === meta.gc || node === meta.idle;
  // Reads the original neighbours, as DevTools does: a replaced sample does not feed the next test.
  let prev = nodes[0]!;
  for (let i = 1; i + 1 < nodes.length; i++) {
    const current = nodes[i]!;
    const next = nodes[i + 1]!;
    if (current === meta.program && !isMeta(prev) && !isMeta(next) && top[prev] === top[next]) nodes[i] = prev;
    prev = current;
  }
}

/** Node indices of the root's `(program)`, `(garbage collector)` and `(idle)` children, -1 when absent. */
export function topLevelMetaNodes(profile: CpuProfileIndex): { program: number; gc: number; idle: number } {
  const found = { program: -1, gc: -1, idle: -1 };
  for (let i = 1; i < profile.parent.length; i++) {
    if (profile.parent[i] !== 0) continue;
    const name = profile.frames[profile.nodeFrame[i]!]!.functionName;
    if (name === '(program)' && found.program < 0) found.program = i;
    else if (name === '(garbage collector)' && found.gc < 0) found.gc = i;
    else if (name === '(idle)' && found.idle < 0) found.idle = i;
  }
  return found;
}

function topLevelAncestors(profile: CpuProfileIndex): Int32Array {
  const top = new Int32Array(profile.parent.length);
  for (let i = 1; i < top.length; i++) {
    const p = profile.parent[i]!;
    top[i] = p === 0 ? i : top[p]!;
  }
  return top;
}

/**
 * Self time per node in microseconds: the durations of its samples. Without samples, DevTools'
 * fallback: hitCount times (endTime - startTime) / total hits.
 */
export function nodeSelfTimes(profile: CpuProfileIndex, timeline: SampleTimeline): Float64Array {
  const self = new Float64Array(profile.parent.length);
  if (timeline.nodes.length > 0) {
    for (let i = 0; i < timeline.nodes.length; i++) self[timeline.nodes[i]!]! += timeline.durations[i]!;
    return self;
  }
  let hits = 0;
  for (let i = 0; i < self.length; i++) hits += profile.hitCount[i]!;
  const each = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
  for (let i = 0; i < self.length; i++) self[i] = profile.hitCount[i]! * each;
  return self;
}

/** Number of samples per node (after the timeline's corrections). */
export function nodeSampleCounts(profile: CpuProfileIndex, timeline: SampleTimeline): Float64Array {
  const counts = new Float64Array(profile.parent.length);
  for (let i = 0; i < timeline.nodes.length; i++) counts[timeline.nodes[i]!]!++;
  return counts;
}

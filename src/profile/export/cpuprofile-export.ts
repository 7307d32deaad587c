import type { CpuProfile, CpuProfileIndex, CpuProfileNode } from '../analysis/cpu-profile.js';

/**
 * Rebuilds the `.cpuprofile` object Chrome DevTools loads from an index: nodes in preorder with
 * their original ids and call frames, `children` lists, `hitCount` recounted from the samples
 * (kept from the input when there are none), and `samples`/`timeDeltas` as read.
 */
export function toCpuProfile(profile: CpuProfileIndex): CpuProfile {
  const n = profile.parent.length;
  const children: number[][] = Array.from({ length: n }, () => []);
  for (let i = 1; i < n; i++) children[profile.parent[i]!]!.push(profile.nodeId[i]!);
  const hits = new Int32Array(n);
  if (profile.samples.length > 0) for (const s of profile.samples) hits[s]!++;
  else hits.set(profile.hitCount);
  const nodes: CpuProfileNode[] = [];
  for (let i = 0; i < n; i++) {
    const node: CpuProfileNode = {
      id: profile.nodeId[i]!,
      callFrame: profile.frames[profile.nodeFrame[i]!]!,
      hitCount: hits[i]!,
      children: children[i]!,
    };
    nodes.push(node);
  }
  return {
    nodes,
    startTime: profile.startTime,
    endTime: profile.endTime,
    samples: Array.from(profile.samples, (s) => profile.nodeId[s]!),
    timeDeltas: Array.from(profile.timeDeltas),
  };
}

/** The `.cpuprofile` file text (compact JSON, as V8 writes it). */
export function cpuProfileJson(profile: CpuProfileIndex): string {
  return JSON.stringify(toCpuProfile(profile));
}

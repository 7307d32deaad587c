import type { CpuProfile, CpuProfileIndex, CpuProfileNode } from '../analysis/cpu-profile.js';

/**
 * Rebuilds the `.cpuprofile` object Chrome DevTools loads from an index: nodes in preorder with
 * their original ids and call frames, `children` lists (left out on leaves, as V8 does), `hitCount` recounted from the samples
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
    // V8 leaves `children` out of leaf nodes; so does this, which keeps the file as small as V8's.
    const node: CpuProfileNode = {
      id: profile.nodeId[i]!,
      callFrame: profile.frames[profile.nodeFrame[i]!]!,
      hitCount: hits[i]!,
      ...(children[i]!.length > 0 ? { children: children[i]! } : {}),
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

/**
 * The `.cpuprofile` file text (compact JSON, as V8 writes it) in pieces, in order: the text of a
 * large profile is better written piece by piece than built as one string.
 */
export function* cpuProfileChunks(profile: CpuProfileIndex): Generator<string> {
  const p = toCpuProfile(profile);
  const batch = 10_000;
  yield '{"nodes":[';
  for (let i = 0; i < p.nodes.length; i += batch) {
    yield (i > 0 ? ',' : '') + p.nodes.slice(i, i + batch).map((n) => JSON.stringify(n)).join(',');
  }
  yield `],"startTime":${JSON.stringify(p.startTime)},"endTime":${JSON.stringify(p.endTime)},"samples":[`;
  const samples = p.samples ?? [];
  for (let i = 0; i < samples.length; i += batch * 10) yield (i > 0 ? ',' : '') + samples.slice(i, i + batch * 10).join(',');
  yield '],"timeDeltas":[';
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < deltas.length; i += batch * 10) yield (i > 0 ? ',' : '') + deltas.slice(i, i + batch * 10).join(',');
  yield ']}';
}

/** The `.cpuprofile` file text as one string. */
export function cpuProfileJson(profile: CpuProfileIndex): string {
  return [...cpuProfileChunks(profile)].join('');
}

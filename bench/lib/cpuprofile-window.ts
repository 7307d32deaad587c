import type { CpuProfile } from '../../src/profile/analysis/cpu-profile.js';

/**
 * The samples of a CPU profile taken in `[fromUs, toUs]` (same clock as the profile), as a profile
 * of its own: the nodes stay, samples outside are dropped and the time deltas recomputed.
 */
export function cpuProfileWindow(p: CpuProfile, fromUs: number, toUs: number): CpuProfile {
  const samples: number[] = [];
  const deltas: number[] = [];
  let t = p.startTime;
  let previous = fromUs;
  const all = p.samples ?? [];
  for (let i = 0; i < all.length; i++) {
    t += p.timeDeltas?.[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    samples.push(all[i]!);
    deltas.push(t - previous);
    previous = t;
  }
  return { nodes: p.nodes, startTime: fromUs, endTime: toUs, samples, timeDeltas: deltas };
}

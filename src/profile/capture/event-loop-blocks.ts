import type { CpuProfile } from '../analysis/cpu-profile.js';
import type { BlockingStack, EventLoopReport } from '../analysis/event-loop-report.js';
import type { PathFrame } from '../analysis/hot-paths.js';
import { round } from '../analysis/hotspots.js';
import { displayName } from '../analysis/profile-tree.js';
import { LOOP_BUCKET_BOUNDS_MS, type LoopMonitorResult } from './loop-monitor-source.js';

/** V8 meta frames that say nothing about which code held the loop. */
const META_FRAMES = new Set(['(root)', '(idle)', '(program)', '(garbage collector)']);

/** Most blocks an event-loop report lists. */
export const MAX_REPORT_BLOCKS = 20;

interface SampleIndex {
  readonly times: Float64Array;
  readonly nodes: Int32Array;
  readonly parent: Map<number, number>;
  readonly byId: Map<number, CpuProfile['nodes'][number]>;
}

function indexSamples(profile: CpuProfile): SampleIndex {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const times = new Float64Array(samples.length);
  const nodes = Int32Array.from(samples);
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    times[i] = t;
  }
  const parent = new Map<number, number>();
  const byId = new Map<number, CpuProfile['nodes'][number]>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
    if (n.parent !== undefined) parent.set(n.id, n.parent);
  }
  return { times, nodes, parent, byId };
}

/** The stack (outermost first, root left out) of the node sampled most often in `[fromUs, toUs]`, ignoring meta frames. */
function heaviestStack(index: SampleIndex, fromUs: number, toUs: number): PathFrame[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < index.times.length; i++) {
    const t = index.times[i]!;
    if (t < fromUs || t > toUs) continue;
    const id = index.nodes[i]!;
    const name = index.byId.get(id)?.callFrame.functionName ?? '';
    if (META_FRAMES.has(name)) continue;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let best = -1;
  let bestCount = 0;
  for (const [id, n] of counts) {
    if (n > bestCount || (n === bestCount && id < best)) {
      best = id;
      bestCount = n;
    }
  }
  const stack: PathFrame[] = [];
  for (let id: number | undefined = best; id !== undefined && id >= 0; id = index.parent.get(id)) {
    const frame = index.byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(root)') break;
    stack.push({ function: displayName(frame.functionName), url: frame.url, line: frame.lineNumber >= 0 ? frame.lineNumber + 1 : 0 });
  }
  return stack.reverse();
}

const ms = (ns: number): number => round(ns / 1e6, 3);

/**
 * Builds the event-loop report from what the in-process monitor measured and a CPU profile taken
 * over the same time (null when none): delay statistics in milliseconds, the interval buckets
 * (the last one's bound is the longest interval seen), and the `MAX_REPORT_BLOCKS` longest blocks,
 * each named by the stack sampled most often while the loop was held.
 */
export function buildEventLoopReport(m: LoopMonitorResult, profile: CpuProfile | null): EventLoopReport {
  const index = profile ? indexSamples(profile) : null;
  const buckets = LOOP_BUCKET_BOUNDS_MS.map((le, i): { le_ms: number; count: number } => ({ le_ms: le, count: m.counts[i] ?? 0 }));
  const overflow = m.counts[LOOP_BUCKET_BOUNDS_MS.length] ?? 0;
  if (overflow > 0) buckets.push({ le_ms: Math.ceil(m.maxIntervalMs), count: overflow });
  const blocks: BlockingStack[] = [...m.blocks]
    .sort((a, b) => b[2] - a[2] || a[0] - b[0])
    .slice(0, MAX_REPORT_BLOCKS)
    .map(([from, to, late]) => ({
      duration_ms: round(late, 3),
      at_ms: round(Math.max(0, (to - m.startUs) / 1000 - late), 3),
      stack: index ? heaviestStack(index, from, to) : [],
    }));
  const h = m.histogram;
  return {
    kind: 'event_loop',
    duration_ms: round((m.endUs - m.startUs) / 1000, 3),
    resolution_ms: m.resolutionMs,
    delay: {
      min_ms: ms(h.min),
      max_ms: ms(h.max),
      mean_ms: ms(h.mean),
      stddev_ms: ms(h.stddev),
      count: h.count,
      percentiles_ms: { p50: ms(h.p50), p75: ms(h.p75), p90: ms(h.p90), p99: ms(h.p99), p999: ms(h.p999) },
      buckets,
    },
    blocks,
  };
}

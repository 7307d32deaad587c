import type { CpuProfile } from '../analysis/cpu-profile.js';
import type { BlockingStack, DelayBucket, EventLoopReport } from '../analysis/event-loop-report.js';
import type { PathFrame } from '../analysis/hot-paths.js';
import { round } from '../analysis/hotspots.js';
import { displayName } from '../analysis/profile-tree.js';
import type { LoopMonitorResult } from './loop-monitor-source.js';

/** V8 meta frames: a block is named by them only when no JavaScript frame was sampled in it. */
const META_FRAMES = new Set(['(program)', '(garbage collector)']);

/** Most blocks an event-loop report lists (the longest). */
export const MAX_REPORT_BLOCKS = 50;

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
  return { times, nodes: Int32Array.from(samples), parent, byId };
}

function mostFrequent(counts: Map<number, number>): number {
  let best = -1;
  let bestCount = 0;
  for (const [id, n] of counts) {
    if (n > bestCount || (n === bestCount && id < best)) {
      best = id;
      bestCount = n;
    }
  }
  return best;
}

/**
 * The stack (outermost first, root left out) of the node sampled most often in `[fromUs, toUs]`:
 * JavaScript frames first, then `(program)` or `(garbage collector)`, never `(idle)`. Empty when
 * nothing was sampled there.
 */
function heaviestStack(index: SampleIndex, fromUs: number, toUs: number): PathFrame[] {
  const js = new Map<number, number>();
  const meta = new Map<number, number>();
  for (let i = 0; i < index.times.length; i++) {
    const t = index.times[i]!;
    if (t < fromUs || t > toUs) continue;
    const id = index.nodes[i]!;
    const name = index.byId.get(id)?.callFrame.functionName ?? '';
    if (name === '(idle)' || name === '(root)') continue;
    const into = META_FRAMES.has(name) ? meta : js;
    into.set(id, (into.get(id) ?? 0) + 1);
  }
  const best = mostFrequent(js.size > 0 ? js : meta);
  const stack: PathFrame[] = [];
  for (let id: number | undefined = best; id !== undefined && id >= 0; id = index.parent.get(id)) {
    const frame = index.byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(root)') break;
    stack.push({ function: displayName(frame.functionName), url: frame.url, line: frame.lineNumber >= 0 ? frame.lineNumber + 1 : 0 });
  }
  return stack.reverse();
}

/**
 * Turns HdrHistogram's percentile walk (`[percentile, ns]`, as `IntervalHistogram.percentiles`
 * gives it) into buckets: the turns whose delay is at most `le_ms` and above the previous bucket.
 */
export function delayBuckets(walk: readonly (readonly [number, number])[], count: number, resolutionMs: number): DelayBucket[] {
  const out: DelayBucket[] = [];
  let previous = 0;
  for (const [p, ns] of [...walk].sort((a, b) => a[0] - b[0])) {
    const cumulative = p >= 100 ? count : Math.round((count * p) / 100);
    const n = cumulative - previous;
    if (n <= 0) continue;
    previous = cumulative;
    const le = beyond(ns, resolutionMs);
    const last = out[out.length - 1];
    if (last && last.le_ms === le) out[out.length - 1] = { le_ms: le, count: last.count + n };
    else out.push({ le_ms: le, count: n });
  }
  if (previous < count && out.length > 0) {
    const last = out[out.length - 1]!;
    out[out.length - 1] = { le_ms: last.le_ms, count: last.count + count - previous };
  }
  return out;
}

/** A histogram value as delay: milliseconds beyond the timer's own period (an idle loop has 0 delay). */
function beyond(ns: number, resolutionMs: number): number {
  return round(Math.max(0, ns / 1e6 - resolutionMs), 3);
}

/**
 * Builds the event-loop report from what the monitor measured and a CPU profile taken over the
 * same time (null when none). Delays are milliseconds beyond the histogram's resolution, as the SDK's
 * `event_loop_delay_p99_ms` metric reports them. The `MAX_REPORT_BLOCKS` longest gaps become blocks,
 * in time order, each named by the stack sampled most often inside it.
 */
export function buildEventLoopReport(m: LoopMonitorResult, profile: CpuProfile | null): EventLoopReport {
  const index = profile ? indexSamples(profile) : null;
  const res = m.resolutionMs;
  const blocks: BlockingStack[] = [...m.gaps]
    .sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0])
    .slice(0, MAX_REPORT_BLOCKS)
    .sort((a, b) => a[0] - b[0])
    .map(([from, to]) => ({
      duration_ms: round((to - from) / 1000, 3),
      at_ms: round((from - m.startUs) / 1000, 3),
      stack: index ? heaviestStack(index, from, to) : [],
    }));
  const h = m.histogram;
  return {
    kind: 'event_loop',
    duration_ms: round((m.endUs - m.startUs) / 1000, 3),
    resolution_ms: res,
    delay: {
      min_ms: beyond(h.min, res),
      max_ms: beyond(h.max, res),
      mean_ms: beyond(h.mean, res),
      stddev_ms: round(h.stddev / 1e6, 3),
      count: h.count,
      percentiles_ms: { p50: beyond(h.p50, res), p75: beyond(h.p75, res), p90: beyond(h.p90, res), p99: beyond(h.p99, res), p999: beyond(h.p999, res) },
      buckets: h.count > 0 ? delayBuckets(h.walk, h.count, res) : [],
    },
    blocks,
  };
}

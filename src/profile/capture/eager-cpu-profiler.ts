import { pathToFileURL } from 'node:url';
import { loadNativeAddon } from '../../lifecycle/native-addon.js';
import type { CpuProfile, CpuProfileNode } from '../analysis/cpu-profile.js';
import type { CpuRecorder } from './capture-types.js';

/**
 * A profile as the native addon returns it (native/eager-cpu-profiler): the tree in preorder as
 * flat columns, lines and columns 1-based as V8 keeps them, and the samples with their times.
 */
export interface ProfileColumns {
  readonly ids: ArrayLike<number>;
  /** Index (not id) of each node's parent, -1 for the root. */
  readonly parents: ArrayLike<number>;
  readonly scriptIds: ArrayLike<number>;
  readonly lines: ArrayLike<number>;
  readonly columns: ArrayLike<number>;
  readonly hitCounts: ArrayLike<number>;
  readonly names: readonly string[];
  /** Script resource names: a path for a CommonJS module, a URL for an ES module. */
  readonly urls: readonly string[];
  /** Why V8 gave up optimizing the function, or ''. */
  readonly deopts: readonly string[];
  /** Line ticks, one entry per (node index, 1-based line, hits). */
  readonly tickNodes: ArrayLike<number>;
  readonly tickLines: ArrayLike<number>;
  readonly tickCounts: ArrayLike<number>;
  readonly samples: ArrayLike<number>;
  /** Time of each sample, µs, on the clock of `startTime`. */
  readonly timestamps: ArrayLike<number>;
  readonly startTime: number;
  readonly endTime: number;
}

/** The addon's functions. */
interface EagerAddon {
  init(): void;
  start(intervalUs: number): number;
  stop(id: number): ProfileColumns;
  dispose(): void;
}

/**
 * `node:inspector` turns a script's resource name into a URL the same way: an absolute path
 * becomes a `file://` URL, anything else (an ES module's URL, `node:internal/...`, '') stays.
 */
function resourceUrl(name: string): string {
  return name.startsWith('/') ? pathToFileURL(name).href : name;
}

/**
 * The `.cpuprofile` (`Profiler.Profile`) of a profile's columns: what `Profiler.stop` would have
 * returned for the same profile (0-based lines and columns, -1 where V8 has none; children by id;
 * time deltas from `startTime`).
 */
export function cpuProfileFromColumns(c: ProfileColumns): CpuProfile {
  const n = c.ids.length;
  const children: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const p = c.parents[i]!;
    if (p >= 0) children[p]!.push(c.ids[i]!);
  }
  const ticks: { line: number; ticks: number }[][] = Array.from({ length: n }, () => []);
  for (let k = 0; k < c.tickNodes.length; k++) ticks[c.tickNodes[k]!]!.push({ line: c.tickLines[k]!, ticks: c.tickCounts[k]! });
  const nodes: CpuProfileNode[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({
      id: c.ids[i]!,
      callFrame: { functionName: c.names[i] ?? '', scriptId: String(c.scriptIds[i]), url: resourceUrl(c.urls[i] ?? ''), lineNumber: c.lines[i]! - 1, columnNumber: c.columns[i]! - 1 },
      hitCount: c.hitCounts[i]!,
      ...(children[i]!.length > 0 ? { children: children[i] } : {}),
      ...(ticks[i]!.length > 0 ? { positionTicks: ticks[i] } : {}),
      ...(c.deopts[i] ? { deoptReason: c.deopts[i] } : {}),
    });
  }
  const samples: number[] = new Array<number>(c.samples.length);
  const timeDeltas: number[] = new Array<number>(c.samples.length);
  let last = c.startTime;
  for (let i = 0; i < c.samples.length; i++) {
    samples[i] = c.samples[i]!;
    timeDeltas[i] = c.timestamps[i]! - last;
    last = c.timestamps[i]!;
  }
  return { nodes, startTime: c.startTime, endTime: c.endTime, samples, timeDeltas };
}

/** Why V8 would not create the profiler, once `prepare` tried ('' otherwise): it stays unavailable. */
let initError = '';
let prepared = false;

const loadEager = () => loadNativeAddon<EagerAddon>('eager_cpu_profiler', import.meta.url);

function loadAddon(): EagerAddon | null {
  return initError ? null : loadEager().addon;
}

/**
 * V8's CPU profiler created in eager logging mode, for profiles of this very process.
 * `node:inspector`'s profiler logs every code object again at each start, walking the whole heap
 * on the main thread (about 1.5 ms per MB of heap); this one walks it once, in `prepare`, then
 * keeps its code map current as code is compiled, so a start only launches the sampler thread.
 */
export const eagerCpuProfiler = {
  /** Whether the addon is built and loads here. */
  available(): boolean {
    return loadAddon() !== null;
  },
  /** Why it is not available ('' when it is). */
  unavailableReason(): string {
    return initError || loadEager().error;
  },
  /** Whether `prepare` ran: starts are then cheap. */
  prepared(): boolean {
    return prepared;
  },
  /**
   * Creates the profiler (the one heap walk, a stall of the heap's size); false when unavailable,
   * or when V8 would not create it (then it stays unavailable, with the reason).
   */
  prepare(): boolean {
    const a = loadAddon();
    if (!a) return false;
    if (prepared) return true;
    try {
      a.init();
    } catch (err) {
      initError = `could not be created: ${err instanceof Error ? err.message : String(err)}`;
      return false;
    }
    prepared = true;
    return true;
  },
  /** Starts a profile with samples at `intervalUs`; returns its id. */
  start(intervalUs: number): number {
    if (!this.prepare()) throw new Error(`the eager CPU profiler is not available: ${this.unavailableReason()}`);
    return loadAddon()!.start(intervalUs);
  },
  /** Stops the profile `id` and returns it as a `.cpuprofile`. */
  stop(id: number): CpuProfile {
    return cpuProfileFromColumns(loadAddon()!.stop(id));
  },
};

/** One recording through the eager profiler (the first one in the process prepares it). */
export function eagerCpuRecorder(): CpuRecorder {
  let id: number | null = null;
  return {
    async start(intervalUs) {
      id = eagerCpuProfiler.start(intervalUs);
    },
    async stop() {
      const running = id!;
      id = null;
      return eagerCpuProfiler.stop(running);
    },
    async abandon() {
      if (id === null) return;
      try {
        eagerCpuProfiler.stop(id);
      } catch {
        // Already stopped: nothing is left running.
      }
      id = null;
    },
  };
}

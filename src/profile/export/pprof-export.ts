import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import type { CpuProfileIndex } from '../analysis/cpu-profile.js';
import type { HeapProfileIndex } from '../analysis/heap-profile.js';
import { displayName, type FunctionKey, type ProfileTree } from '../analysis/profile-tree.js';
import type { SampleTimeline } from '../analysis/sample-timeline.js';

/** A pprof sample type as (type, unit) strings, e.g. `['cpu', 'nanoseconds']`. */
export type PprofValueType = readonly [type: string, unit: string];

/** What `treeToPprof` needs: a tree, one value column per sample type (per node), and the period. */
export interface PprofInput {
  readonly tree: ProfileTree;
  readonly sampleTypes: readonly PprofValueType[];
  /** `values[k][node]`: the node's self value for sample type k. */
  readonly values: readonly Float64Array[];
  readonly periodType: PprofValueType;
  readonly period: number;
  readonly durationNanos?: number;
  /** Wall-clock start, when known (V8 profile times are monotonic, not epoch). */
  readonly timeNanos?: number;
}

/**
 * The function name pprof shows. pprof groups by name, so anonymous functions are named after their
 * place (`(anonymous orders.js:42)`) to keep them apart.
 */
export function pprofName(fn: FunctionKey): string {
  if (fn.name !== '' || fn.url === '') return displayName(fn.name);
  const file = fn.url.slice(fn.url.lastIndexOf('/') + 1);
  return `(anonymous ${file}${fn.line > 0 ? `:${fn.line}` : ''})`;
}

/**
 * Encodes a profile tree as a pprof `Profile` (not yet compressed): one location per call frame
 * (line = the frame's 1-based line), one function per (name, url, line) with its file name, and
 * one sample per node that has a non-zero value, its stack leaf first as pprof expects. The root
 * pseudo-frame is left out of stacks.
 */
export function treeToPprof(input: PprofInput): Profile {
  const { tree } = input;
  const strings = new StringTable();
  const functionIds = new Map<number, number>();
  const functions: PprofFunction[] = [];
  const locationIds = new Int32Array(tree.frames.length).fill(-1);
  const locations: Location[] = [];
  const locationOf = (node: number): number => {
    const frame = tree.nodeFrame[node]!;
    if (locationIds[frame]! >= 0) return locationIds[frame]!;
    const fnIndex = tree.nodeFunction[node]!;
    let functionId = functionIds.get(fnIndex);
    if (functionId === undefined) {
      const fn = tree.functions[fnIndex]!;
      functionId = functions.length + 1;
      functions.push(
        new PprofFunction({ id: functionId, name: strings.dedup(pprofName(fn)), systemName: strings.dedup(fn.name), filename: strings.dedup(fn.url), startLine: fn.line }),
      );
      functionIds.set(fnIndex, functionId);
    }
    const cf = tree.frames[frame]!;
    const id = locations.length + 1;
    locations.push(new Location({ id, line: [new Line({ functionId, line: cf.lineNumber + 1, column: cf.columnNumber + 1 })] }));
    locationIds[frame] = id;
    return id;
  };
  const sampleType = input.sampleTypes.map(([type, unit]) => new ValueType({ type: strings.dedup(type), unit: strings.dedup(unit) }));
  const samples: Sample[] = [];
  const n = tree.parent.length;
  for (let i = 1; i < n; i++) {
    const value = input.values.map((column) => Math.round(column[i]!));
    if (value.every((v) => v === 0)) continue;
    const stack: number[] = [];
    for (let at = i; at > 0; at = tree.parent[at]!) stack.push(locationOf(at));
    samples.push(new Sample({ locationId: stack, value }));
  }
  return new Profile({
    sampleType,
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    periodType: new ValueType({ type: strings.dedup(input.periodType[0]), unit: strings.dedup(input.periodType[1]) }),
    period: Math.round(input.period),
    durationNanos: Math.round(input.durationNanos ?? 0),
    timeNanos: Math.round(input.timeNanos ?? 0),
  });
}

/** Gzips an encoded pprof profile, the form `go tool pprof` and Pyroscope read. */
export function encodePprof(profile: Profile): Uint8Array {
  return gzipSync(profile.encode());
}

/**
 * A CPU profile as gzipped pprof with sample types `samples/count` and `cpu/nanoseconds` (the
 * default), period = mean sampling interval. `startedAtMs` sets the wall-clock time when known.
 */
export function cpuToPprof(profile: CpuProfileIndex, timeline: SampleTimeline, startedAtMs?: number): Uint8Array {
  const n = profile.parent.length;
  const counts = new Float64Array(n);
  const nanos = new Float64Array(n);
  for (let i = 0; i < timeline.nodes.length; i++) {
    counts[timeline.nodes[i]!]!++;
    nanos[timeline.nodes[i]!]! += timeline.durations[i]! * 1000;
  }
  const durationUs = timeline.endTime - timeline.startTime;
  const interval = timeline.nodes.length > 0 ? durationUs / timeline.nodes.length : 0;
  return encodePprof(
    treeToPprof({
      tree: profile,
      sampleTypes: [
        ['samples', 'count'],
        ['cpu', 'nanoseconds'],
      ],
      values: [counts, nanos],
      periodType: ['cpu', 'nanoseconds'],
      period: interval * 1000,
      durationNanos: durationUs * 1000,
      ...(startedAtMs === undefined ? {} : { timeNanos: startedAtMs * 1e6 }),
    }),
  );
}

/** A sampling heap profile as gzipped pprof with sample types `objects/count` and `space/bytes`. */
export function heapToPprof(heap: HeapProfileIndex, startedAtMs?: number): Uint8Array {
  return encodePprof(
    treeToPprof({
      tree: heap,
      sampleTypes: [
        ['objects', 'count'],
        ['space', 'bytes'],
      ],
      values: [heap.selfCount, heap.selfBytes],
      periodType: ['space', 'bytes'],
      period: heap.samplingInterval,
      ...(startedAtMs === undefined ? {} : { timeNanos: startedAtMs * 1e6 }),
    }),
  );
}

import { describe, expect, it, vi } from 'vitest';
import type { MetricSnapshot } from '../model/snapshot.js';
import { snapshotFanOut, type AnalysisGate } from './snapshot-fan-out.js';

const snap = (ts: number, source = 's', metric = 'cpu_usage'): MetricSnapshot => ({ source, timestamp: ts, metrics: { [metric]: ts } }) as MetricSnapshot;

/** A gate whose series become ready when the test says so. */
function fakeGate() {
  const ready = new Set<string>();
  const loading = new Set<string>();
  let onReady: (source: string) => void = () => {};
  const gate: AnalysisGate = {
    prepare: (s) => {
      for (const m of Object.keys(s.metrics)) if (!ready.has(`${s.source} ${m}`)) loading.add(`${s.source} ${m}`);
      return ![...loading].some((k) => k.startsWith(`${s.source} `));
    },
    onSourceReady: (l) => (onReady = l),
  };
  const finish = (source: string) => {
    for (const k of [...loading]) {
      if (!k.startsWith(`${source} `)) continue;
      loading.delete(k);
      ready.add(k);
    }
    onReady(source);
  };
  return { gate, finish };
}

describe('the snapshot fan-out', () => {
  it('passes each snapshot through every analysis stage before the next, then the whole batch to the batch listeners', () => {
    const calls: string[] = [];
    const fan = snapshotFanOut(
      [(s) => calls.push(`detect ${s.map((x) => x.timestamp).join(',')}`), (s) => calls.push(`diagnose ${s.map((x) => x.timestamp).join(',')}`)],
      [(s) => calls.push(`live ${s.map((x) => x.timestamp).join(',')}`)],
      () => {},
    );
    fan([snap(1), snap(2)]);
    expect(calls).toEqual(['detect 1', 'diagnose 1', 'detect 2', 'diagnose 2', 'live 1,2']);
  });

  it('keeps going past a listener that throws, and reports each failure', () => {
    const failures: unknown[] = [];
    const seen: number[] = [];
    const fan = snapshotFanOut(
      [
        () => {
          throw new Error('boom');
        },
        (s) => seen.push(s[0]!.timestamp),
      ],
      [],
      (err) => failures.push(err),
    );
    fan([snap(1), snap(2)]);
    expect(seen).toEqual([1, 2]);
    expect(failures).toHaveLength(2);
  });

  it('holds every snapshot from the first whose series load, and lets them through in arrival order once loaded', () => {
    const { gate, finish } = fakeGate();
    const seen: string[] = [];
    const live: number[] = [];
    const fan = snapshotFanOut([(s) => seen.push(`${s[0]!.source}${s[0]!.timestamp}`)], [(s) => live.push(s.length)], () => {}, gate);
    fan([snap(1, 'a'), snap(1, 'b'), snap(2, 'a')]);
    expect(seen).toEqual([]);
    expect(live).toEqual([3]);
    // b is ready, but a1 before it is not: the order of arrival is kept.
    finish('b');
    expect(seen).toEqual([]);
    fan([snap(3, 'a', 'heap_used_bytes'), snap(2, 'b')]);
    finish('a');
    expect(seen).toEqual(['a1', 'b1', 'a2', 'a3', 'b2']);
    fan([snap(4, 'a')]);
    expect(seen.at(-1)).toBe('a4');
    // A new series later on holds everything after it again.
    fan([snap(5, 'b', 'queue_depth'), snap(5, 'a')]);
    expect(seen.at(-1)).toBe('a4');
    finish('b');
    expect(seen.slice(-2)).toEqual(['b5', 'a5']);
  });

  it('analyses each snapshot once, in order, when a stage makes a source ready while held snapshots go through', () => {
    const { gate, finish } = fakeGate();
    const seen: string[] = [];
    // Detection gives up waiting for a load while it analyses (as its buffer overflow does): the source turns ready inside the release.
    const stage = (s: readonly MetricSnapshot[]) => {
      seen.push(`${s[0]!.source}${s[0]!.timestamp}`);
      if (s[0]!.timestamp === 1) finish('b');
    };
    const fan = snapshotFanOut([stage], [], () => {}, gate, { snapshots: 2, ms: 2000 });
    fan([snap(1, 'a'), snap(1, 'b'), snap(2, 'b')]);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    fan([snap(3, 'b')]);
    expect(seen).toEqual(['a1', 'b1', 'b2', 'b3']);
  });

  it('lets held snapshots through, in order, once too many are held or the oldest has waited too long', () => {
    vi.useFakeTimers();
    try {
      const { gate } = fakeGate();
      const seen: number[] = [];
      const fan = snapshotFanOut([(s) => seen.push(s[0]!.timestamp)], [], () => {}, gate, { snapshots: 3, ms: 2000 });
      fan([snap(1), snap(2), snap(3)]);
      expect(seen).toEqual([]);
      fan([snap(4)]);
      expect(seen).toEqual([1, 2, 3, 4]);
      fan([snap(5)]);
      vi.advanceTimersByTime(1999);
      expect(seen).toEqual([1, 2, 3, 4]);
      vi.advanceTimersByTime(1);
      expect(seen).toEqual([1, 2, 3, 4, 5]);
    } finally {
      vi.useRealTimers();
    }
  });
});

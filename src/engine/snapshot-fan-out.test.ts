import { describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../model/snapshot.js';
import { snapshotFanOut } from './snapshot-fan-out.js';

const snap = (ts: number): MetricSnapshot => ({ source: 's', timestamp: ts, metrics: { cpu_usage: ts } }) as MetricSnapshot;

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
});

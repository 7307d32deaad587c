import { describe, expect, it } from 'vitest';
import { syntheticStream } from './synthetic-stream.js';

const START = Date.UTC(2026, 0, 1);

describe('synthetic platform stream', () => {
  it('is deterministic for a seed, in time order per source, one episode at a time, with the fixed metric names', () => {
    const a = syntheticStream({ seed: 7, start: START, durationMs: 86_400_000 });
    const b = syntheticStream({ seed: 7, start: START, durationMs: 86_400_000 });
    const sa = [...a.snapshots()];
    expect([...b.snapshots()]).toEqual(sa);
    expect(a.truth).toEqual(b.truth);
    expect(a.truth.length).toBeGreaterThan(3);
    for (let i = 1; i < a.truth.length; i++) expect(a.truth[i]!.start).toBeGreaterThan(a.truth[i - 1]!.end);
    const last = new Map<string, number>();
    for (const s of sa) {
      expect(s.timestamp).toBeGreaterThan(last.get(s.source) ?? -1);
      last.set(s.source, s.timestamp);
    }
    expect(Object.keys(sa.find((s) => s.source === 'syn-agent-0')!.metrics).sort()).toContain('event_loop_utilization');
    expect(sa.filter((s) => s.source === 'syn-agent-0')).toHaveLength(86_400_000 / 15_000);
  });

  it('injects the signature of its kind on the truth source only while the episode lasts', () => {
    const s = syntheticStream({ seed: 3, start: START, durationMs: 86_400_000, kinds: ['slow_db_query'] });
    const e = s.truth[0]!;
    const db = (from: number, to: number) => {
      const v = [...s.snapshots()].filter((x) => x.source === e.source && x.timestamp >= from && x.timestamp < to).map((x) => x.metrics.db_query_p95_ms!);
      return v.sort((p, q) => p - q)[v.length >> 1]!;
    };
    expect(db(e.start + 60_000, e.end)).toBeGreaterThan(3 * db(e.start - 3_600_000, e.start));
  });
});

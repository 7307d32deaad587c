import { describe, expect, it } from 'vitest';
import { CardinalityGuard, type CardinalityLimits } from './cardinality-guard.js';

const LIMITS: CardinalityLimits = { maxSources: 3, maxStreamsPerSource: 2, maxStreams: 5, maxLabels: 4, maxLabelValueLength: 16 };

describe('CardinalityGuard', () => {
  it('admits known streams always, new ones up to each limit, and a message whole or not at all', () => {
    const g = new CardinalityGuard(LIMITS);
    expect(g.admit([{ source: 'a' }, { source: 'a', labels: { k: '1' } }])).toBeNull();
    expect(g.admit([{ source: 'a', labels: { k: '2' } }])).toMatchObject({ code: 'too_many_streams', message: expect.stringMatching(/ingest_max_streams_per_source/) });
    expect(g.admit([{ source: 'b' }, { source: 'c' }])).toBeNull();
    // A message with one known and one new source over the limit is refused whole: nothing of it is admitted.
    expect(g.admit([{ source: 'b', host: 'h' }, { source: 'd' }])).toMatchObject({ code: 'too_many_sources' });
    expect(g.size).toEqual({ sources: 3, streams: 4 });
    expect(g.admit([{ source: 'b', host: 'h' }])).toBeNull();
    expect(g.admit([{ source: 'c', host: 'h' }])).toMatchObject({ code: 'too_many_streams', message: expect.stringMatching(/ingest_max_streams\)/) });
    // Known streams keep being admitted, also after the limits are lowered.
    g.setLimits({ ...LIMITS, maxSources: 1, maxStreams: 1 });
    expect(g.admit([{ source: 'a', labels: { k: '1' } }, { source: 'c' }])).toBeNull();
  });

  it('keys streams so that label sets cannot collide, and bounds labels', () => {
    const g = new CardinalityGuard({ ...LIMITS, maxStreamsPerSource: 10, maxStreams: 10 });
    expect(g.admit([{ source: 's', labels: { 'a=b': 'c' } }, { source: 's', labels: { a: 'b=c' } }])).toBeNull();
    expect(g.size.streams).toBe(2);
    expect(g.admit([{ source: 's', labels: { a: 'x'.repeat(17) } }])).toMatchObject({ code: 'label_too_long' });
    expect(g.admit([{ source: 's', labels: { a: '1', b: '2', c: '3', d: '4', e: '5' } }])).toMatchObject({ code: 'too_many_labels' });
  });

  it('stays at the limit in memory whatever arrives beyond it', () => {
    const g = new CardinalityGuard({ maxSources: 100, maxStreamsPerSource: 100, maxStreams: 1000, maxLabels: 32, maxLabelValueLength: 1024 });
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      if (g.admit([{ source: `s${i % 150}`, labels: { id: `${i}`, pad: 'p'.repeat(1000) } }]) !== null) refused++;
    }
    expect(g.size).toEqual({ sources: 100, streams: 1000 });
    expect(refused).toBe(19_000);
  });

  it('seeds from stored streams within the limits', () => {
    const g = new CardinalityGuard(LIMITS);
    expect(g.seed([{ source: 'a' }, { source: 'b' }, { source: 'c' }, { source: 'd' }])).toBe(3);
    expect(g.admit([{ source: 'd' }])).toMatchObject({ code: 'too_many_sources' });
  });
});

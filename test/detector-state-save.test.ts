import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateBatch } from '../src/detect/stage/detector-state-copy.js';
import { loadSeries, saveStateBatch } from '../src/detect/stage/detector-state-repo.js';
import type { SavedState } from '../src/detect/stream/series-load.js';
import { bothBackends, openedBackend } from './helpers/services.js';

const T0 = Date.parse('2026-12-07T08:00:00.123Z');

/** States of odd sizes and names (a quote, a comma, a brace, non-ASCII), as a checkpoint hands them out. */
function states(n: number, round: number): SavedState[] {
  const names = ['plain', 'with "quote", comma', 'brace {x}', 'dégradé ☃', 'back\\slash'];
  return Array.from({ length: n }, (_, i) => ({
    source: `${names[i % names.length]}-${i}`,
    metric: i % 3 === 0 ? 'handler_latency_p95_ms' : `m.${i % 7}`,
    state: new Uint8Array(randomBytes(1 + ((i * 37 + round) % 1500))),
    lastTs: T0 + i * 1000 + round,
  }));
}

const backends = bothBackends('PostgreSQL, binary COPY', 'PGlite, arrays');

describe.each(backends)('a detector checkpoint (%s)', (name, open) => {
  const t = openedBackend(open);

  it('stores every state byte for byte with its time, and a later checkpoint replaces them', async () => {
    expect(Boolean(t.db.copyBinary)).toBe(name.startsWith('PostgreSQL'));
    for (const round of [0, 1]) {
      const saved = states(1200, round);
      const batch = new StateBatch(t.db.copyBinary !== undefined);
      for (const s of saved) batch.add(s);
      await saveStateBatch(t.db, batch);
      const loaded = await loadSeries(t.db, saved.map((s) => ({ source: s.source, metric: s.metric, before: s.lastTs })), 0);
      expect(loaded).toHaveLength(saved.length);
      loaded.forEach((l, i) => {
        expect(l).not.toBeNull();
        expect(typeof l).toBe('object');
        expect(Buffer.from((l as { state: Uint8Array }).state).equals(Buffer.from(saved[i]!.state))).toBe(true);
      });
      const times = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM detector_state d JOIN unnest($1::text[], $2::text[], $3::float8[]) AS r(s, m, t)
           ON d.source = r.s AND d.metric = r.m AND d.last_ts = to_timestamp(r.t / 1000.0)`,
        [saved.map((s) => s.source), saved.map((s) => s.metric), saved.map((s) => s.lastTs)],
      );
      expect(times.rows[0]!.n).toBe(saved.length);
    }
    const rows = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM detector_state');
    expect(rows.rows[0]!.n).toBe(1200);
  });
});

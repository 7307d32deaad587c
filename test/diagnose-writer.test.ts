import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../src/alert/notification-queue.js';
import type { BottleneckRecord } from '../src/diagnose/bottleneck-record.js';
import { getBottleneck, insertBottleneck, loadActiveBottlenecks, resolveStatelessBottlenecks } from '../src/diagnose/stage/bottleneck-repo.js';
import { BottleneckWriter } from '../src/diagnose/stage/bottleneck-writer.js';
import type { Db, Queryable } from '../src/store/db.js';
import { quietLogger, testDatabase } from './helpers/services.js';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ db, drop } = await testDatabase());
});
afterAll(async () => drop());

/** The real database, with an outage switch: while down, every statement fails as a lost connection would. */
function flaky(real: Queryable): Queryable & { down: boolean } {
  const q = {
    down: false,
    query: <R>(sql: string, params?: readonly unknown[]) => (q.down ? Promise.reject(new Error('connection terminated')) : real.query<R>(sql, params)),
    exec: (sql: string) => (q.down ? Promise.reject(new Error('connection terminated')) : real.exec(sql)),
  };
  return q;
}

function record(source: string, over: Partial<BottleneckRecord> = {}): BottleneckRecord {
  const t = Date.parse('2026-11-25T10:00:00Z');
  const finding = { kind: 'cpu_saturation', metric: 'event_loop_utilization', confidence: 0.9, severity: 'warning', metrics: {}, facts: {} };
  return {
    id: randomUUID(),
    source,
    kind: 'cpu_saturation',
    severity: 'warning',
    metric: 'event_loop_utilization',
    status: 'active',
    startedAt: t,
    detectedAt: t + 30_000,
    updatedAt: t + 30_000,
    resolvedAt: null,
    resolveReason: null,
    summary: `${source} event loop saturated`,
    evidence: { confidence: 0.9 },
    recommendations: [],
    related: [],
    host: 'node-1',
    scope: 'agent',
    state: { refs: {}, latest: finding, peak: finding, lastHit: t + 30_000, labelsAtStart: null },
    ...over,
  } as BottleneckRecord;
}

const resolvedOf = (r: BottleneckRecord, at: number): BottleneckRecord => ({ ...r, status: 'resolved', resolvedAt: at, updatedAt: at, resolveReason: 'cleared' });
const update = (r: BottleneckRecord): Notification => ({ subject: 'performance.bottleneck_updated', payload: new TextEncoder().encode(r.id) });
const subjects = (ns: readonly Notification[]) => ns.map((n) => n.subject.replace('performance.', ''));

describe('bottleneck writes (real PostgreSQL, with an outage)', () => {
  it('publishes a detection only once its row exists: an opening written during an outage is published, with the updates held meanwhile, when the database is back', async () => {
    const q = flaky(db);
    const w = new BottleneckWriter(q, quietLogger(), () => ({ auto_profile: { skipped: 'test' } }));
    const r = record('writer-a');
    q.down = true;
    expect(await w.opened(r)).toEqual([]);
    const later = { ...r, severity: 'critical' as const, updatedAt: r.updatedAt + 10_000 };
    expect(await w.changed(later, [update(later)])).toEqual([]);
    expect(await w.retry()).toEqual([]);
    expect(w.stats()).toMatchObject({ unsaved: 1, writeErrors: 2 });

    q.down = false;
    const out = await w.retry();
    expect(subjects(out)).toEqual(['bottleneck_detected', 'bottleneck_updated']);
    const detected = JSON.parse(new TextDecoder().decode(out[0]!.payload)) as Record<string, unknown>;
    expect(detected).toMatchObject({ bottleneck_id: r.id, severity: 'warning', evidence: { auto_profile: { skipped: 'test' } } });
    const row = await getBottleneck(db, r.id);
    expect(row).toMatchObject({ severity: 'critical', status: 'active', evidence: { auto_profile: { skipped: 'test' } } });
    expect(w.stats().unsaved).toBe(0);
  });

  it('writes a resolution the database missed before the next opening of the same source, so that opening is not refused', async () => {
    const q = flaky(db);
    const w = new BottleneckWriter(q, quietLogger(), () => null);
    const first = record('writer-b');
    expect(subjects(await w.opened(first))).toEqual(['bottleneck_detected']);
    q.down = true;
    const resolved = resolvedOf(first, first.detectedAt + 120_000);
    // Peers hold the bottleneck: its resolution is published even though it is not saved yet.
    expect(subjects(await w.changed(resolved, [update(resolved)]))).toEqual(['bottleneck_updated']);
    q.down = false;
    const second = record('writer-b', { detectedAt: first.detectedAt + 600_000 });
    expect(subjects(await w.opened(second))).toEqual(['bottleneck_detected']);
    expect(await getBottleneck(db, first.id)).toMatchObject({ status: 'resolved', resolve_reason: 'cleared' });
    expect(w.stats()).toMatchObject({ refusedOpens: 0, unsaved: 0 });
  });

  it('never publishes an opening the database refuses (the source has an active bottleneck already), nor its later versions', async () => {
    const other = record('writer-c');
    await insertBottleneck(db, other);
    const w = new BottleneckWriter(db, quietLogger(), () => {
      throw new Error('no automatic profile for a refused opening');
    });
    const mine = record('writer-c');
    expect(await w.opened(mine)).toEqual([]);
    expect(await w.changed(mine, [update(mine)])).toEqual([]);
    expect(await w.changed(resolvedOf(mine, mine.detectedAt + 60_000), [update(mine)])).toEqual([]);
    expect(w.stats().refusedOpens).toBe(1);
    expect(await getBottleneck(db, mine.id)).toBeNull();
  });

  it('resolves, as stale, active rows with no state to continue from, so they do not hold their source', async () => {
    const bare = record('writer-d', { state: {} as BottleneckRecord['state'] });
    await insertBottleneck(db, bare);
    expect((await loadActiveBottlenecks(db)).some((r) => r.id === bare.id)).toBe(false);
    expect(await resolveStatelessBottlenecks(db, Date.now())).toBeGreaterThanOrEqual(1);
    expect(await getBottleneck(db, bare.id)).toMatchObject({ status: 'resolved', resolve_reason: 'stale' });
    const w = new BottleneckWriter(db, quietLogger(), () => null);
    expect(subjects(await w.opened(record('writer-d')))).toEqual(['bottleneck_detected']);
  });
});

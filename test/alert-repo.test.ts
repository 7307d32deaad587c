import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Episode } from '../src/alert/alert-machine.js';
import { loadOpenAlerts, saveAlerts, type AlertRecord } from '../src/alert/stage/alert-repo.js';
import { bothBackends, openedBackend } from './helpers/services.js';

const T0 = Date.parse('2026-12-07T08:00:00.000Z');

function record(i: number, over: Partial<Episode> = {}, alertId: string = randomUUID()): AlertRecord {
  const episode: Episode = {
    alertId,
    phase: 'firing',
    severity: i % 2 === 0 ? 'warning' : 'critical',
    maxSeverity: 'critical',
    startedAt: T0 + i,
    firedAt: T0 + i + 120_000,
    lastNotifiedAt: i % 3 === 0 ? null : T0 + i + 120_000,
    clearingSince: null,
    candidate: i % 5 === 0 ? 'critical' : null,
    candidateSince: i % 5 === 0 ? T0 + i + 130_000 : null,
    value: i / 7,
    threshold: i % 4 === 0 ? null : 80 + i,
    lastTs: T0 + i + 150_000,
    ...over,
  };
  return {
    source: `agent-${i}`,
    metric: 'handler_latency_p95_ms',
    rule: 'degradation',
    episode,
    state: 'firing',
    resolvedAt: null,
    reason: null,
    message: `agent-${i} latency degraded`,
    notified: i % 2 === 1,
    silencedBy: null,
    reference: { baseline: 10 + i, spread: 1.5, direction: 'above', distance: 9 },
    interval: 1000,
  };
}

const backends = bothBackends();

describe.each(backends)('saving alerts together (%s)', (_name, open) => {
  const t = openedBackend(open);

  it('stores a batch larger than one statement exactly as given, and restores every field the machine needs', async () => {
    const records = Array.from({ length: 1234 }, (_, i) => record(i));
    await saveAlerts(t.db, records);
    const open = await loadOpenAlerts(t.db);
    expect(open).toHaveLength(records.length);
    const byId = new Map(open.map((o) => [o.episode.alertId, o]));
    for (const r of records) {
      const o = byId.get(r.episode.alertId)!;
      expect(o.episode).toEqual(r.episode);
      expect({ source: o.source, metric: o.metric, rule: o.rule, reference: o.reference, interval: o.interval, notified: o.notified }).toEqual({
        source: r.source,
        metric: r.metric,
        rule: r.rule,
        reference: r.reference,
        interval: r.interval,
        notified: r.notified,
      });
    }
    await t.db.query('DELETE FROM alerts');
  });

  it('updates rows in place, keeps an acknowledgement made meanwhile, and saves the others when one row is refused', async () => {
    const records = Array.from({ length: 20 }, (_, i) => record(i));
    await saveAlerts(t.db, records);
    await t.db.query(`UPDATE alerts SET acknowledged_by = 'ops', acknowledged_at = now() WHERE alert_id = $1`, [records[3]!.episode.alertId]);
    // A second open episode of agent-7's series under another id breaks the one-open-episode index.
    const clash = record(7, {}, randomUUID());
    const updated = [...records.map((r) => ({ ...r, episode: { ...r.episode, value: -1, lastTs: r.episode.lastTs + 5000 } })), clash];
    await expect(saveAlerts(t.db, updated)).rejects.toThrow(/alerts_one_open_episode|duplicate key/);
    const rows = await t.db.query<{ alert_id: string; value: number; acknowledged_by: string | null }>('SELECT alert_id, value, acknowledged_by FROM alerts');
    expect(rows.rows).toHaveLength(20);
    expect(rows.rows.every((r) => Number(r.value) === -1)).toBe(true);
    expect(rows.rows.find((r) => r.alert_id === records[3]!.episode.alertId)?.acknowledged_by).toBe('ops');
    await t.db.query('DELETE FROM alerts');
  });
});

describe('saving alerts together when the database is gone', () => {
  it('gives up at the first refusal that is not about a row, without trying each row', async () => {
    let calls = 0;
    const gone = {
      query: () => {
        calls++;
        return Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' }));
      },
      exec: () => Promise.resolve(),
    };
    await expect(saveAlerts(gone, Array.from({ length: 1200 }, (_, i) => record(i)))).rejects.toThrow(/Connection terminated/);
    expect(calls).toBe(1);
  });
});

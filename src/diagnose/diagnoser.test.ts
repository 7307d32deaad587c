import { describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { BottleneckRecord } from './bottleneck-record.js';
import { Diagnoser, type BottleneckTransition } from './diagnoser.js';
import { type DiagnoserSettings } from './frame-context.js';

const SETTINGS: DiagnoserSettings = { enabled: true, holdMs: 30_000, holdSamples: 3, clearMs: 60_000, staleMs: 300_000, updateIntervalMs: 300_000 };
const T0 = Date.UTC(2026, 10, 23, 10);
const S = 10_000;

/** Deterministic noise in [-1, 1]. */
const noise = (i: number) => {
  const x = Math.sin((i + 1) * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
};

/** An agent's snapshot at frame i; `hog` saturates its loop (CPU-bound handler), `disk` makes it write hard. */
function agentAt(source: string, i: number, over: { hog?: boolean; disk?: boolean } = {}): MetricSnapshot {
  const n = noise(i + source.length * 1000);
  return {
    source,
    host: 'node-7',
    timestamp: T0 + i * S,
    labels: { version: '1.4.2' },
    metrics: {
      cpu_usage: over.hog ? 25 + n : 6 + 0.5 * n,
      event_loop_utilization: over.hog ? 0.98 + 0.01 * n : 0.25 + 0.02 * n,
      event_loop_delay_p99_ms: 3 + n,
      gc_pause_ms: 80 + 10 * n,
      heap_used_bytes: 80e6 + 2e6 * n,
      handler_latency_p95_ms: over.hog ? 400 + 50 * n : 40 + 3 * n,
      queue_depth: over.hog ? 60 : 0.5,
      db_query_p95_ms: 4 + 0.3 * n,
      disk_write_bytes_per_sec: over.disk ? 40e6 : 20_000 + 2000 * n,
    },
  };
}

function hostAt(i: number, diskUtil: number): MetricSnapshot {
  return { source: 'node-7', host: 'node-7', timestamp: T0 + i * S + 5000, metrics: { cpu_usage: 30 + noise(i), memory_total_bytes: 64e9, memory_available_bytes: 40e9, disk_util: diskUtil + noise(i) } };
}

function diagnoser(out: BottleneckTransition[], now = () => 0): Diagnoser {
  let id = 0;
  return new Diagnoser({ detail: () => null, settings: () => SETTINGS, newId: () => `b-${++id}`, now, emit: (t) => out.push(t) });
}

/** 60 normal frames, 20 with the hog, 20 normal again. */
const HOG: MetricSnapshot[] = Array.from({ length: 100 }, (_, i) => agentAt('order-agent-1', i, { hog: i >= 60 && i < 80 }));

const published = (out: readonly BottleneckTransition[]) => out.filter((t) => t.type !== 'saved').map((t) => ({ type: t.type, update: t.update, kind: t.record.kind, severity: t.record.severity, started: t.record.startedAt, detected: t.record.detectedAt, resolved: t.record.resolvedAt, summary: t.record.summary }));

describe('Diagnoser', () => {
  it('publishes one bottleneck per episode, after the hold, and its resolution after the clear time', () => {
    const out: BottleneckTransition[] = [];
    diagnoser(out).onSnapshots(HOG);
    const p = published(out);
    expect(p.map((x) => `${x.type} ${x.kind}`)).toEqual(['opened cpu_saturation', 'resolved cpu_saturation']);
    // A snapshot covers the interval before it: the first saturated one dates the onset to the frame before.
    expect(p[0]).toMatchObject({ started: T0 + 59 * S, detected: T0 + 62 * S, resolved: null });
    // The open episode's lower bar reads a median of three frames, so its end shows one frame late.
    expect(p[1]).toMatchObject({ resolved: T0 + 81 * S });
    expect(p[0]!.summary).toMatch(/^order-agent-1 event loop saturated \(utilisation 0\.9\d\) for 30 s; CPU 2\d(\.\d+)?% of all cores, 4(\.\d+)?x its baseline; worst at \S+Z; handler p95/);
    expect(out[0]!.record.recommendations[0]).toMatchObject({ action: 'profile', params: { target: { agent_id: 'order-agent-1' }, kind: 'cpu' } });
  });

  it('gives the same transitions whatever the batching (event time, not arrival time)', () => {
    const one: BottleneckTransition[] = [];
    const d1 = diagnoser(one);
    for (const s of HOG) d1.onSnapshots([s]);
    const batched: BottleneckTransition[] = [];
    const d2 = diagnoser(batched);
    for (let i = 0; i < HOG.length; i += 37) d2.onSnapshots(HOG.slice(i, i + 37));
    expect(published(batched)).toEqual(published(one));
  });

  it('continues a restored bottleneck after a restart without publishing it again, and resolves it with its id', () => {
    const before: BottleneckTransition[] = [];
    const d1 = diagnoser(before);
    d1.onSnapshots(HOG.slice(0, 70));
    const open: BottleneckRecord[] = d1.active();
    expect(open.map((r) => r.kind)).toEqual(['cpu_saturation']);
    const after: BottleneckTransition[] = [];
    const d2 = diagnoser(after);
    d2.restore(JSON.parse(JSON.stringify(open)) as BottleneckRecord[]);
    d2.onSnapshots(HOG.slice(70));
    expect(after.filter((t) => t.type === 'opened')).toEqual([]);
    expect(after.filter((t) => t.type === 'resolved').map((t) => [t.record.id, t.record.resolvedAt])).toEqual([[open[0]!.id, T0 + 81 * S]]);
  });

  it('resolves a bottleneck whose source went silent (wall clock) as stale', () => {
    const out: BottleneckTransition[] = [];
    let now = 0;
    const d = diagnoser(out, () => now);
    d.onSnapshots(HOG.slice(0, 70));
    now = SETTINGS.staleMs + 1;
    d.sweep();
    expect(out.filter((t) => t.type === 'resolved').map((t) => t.record.resolveReason)).toEqual(['stale']);
    expect(d.stats().watched).toBe(0);
  });

  it('forgets a silent source whose signature was still pending (no watch outlives the stale time)', () => {
    const out: BottleneckTransition[] = [];
    let now = 0;
    const d = diagnoser(out, () => now);
    d.onSnapshots(HOG.slice(0, 61));
    expect(d.stats().watched).toBe(1);
    now = SETTINGS.staleMs + 1;
    d.sweep();
    expect(d.stats().watched).toBe(0);
    expect(out).toEqual([]);
  });

  it('names the agent writing to disk as the root cause and its host (disk busy) as related evidence, not a second bottleneck', () => {
    const out: BottleneckTransition[] = [];
    const d = diagnoser(out);
    for (let i = 0; i < 100; i++) {
      const on = i >= 60 && i < 85;
      d.onSnapshots([agentAt('writer-1', i, { disk: on }), agentAt('reader-2', i), hostAt(i, on ? 99 : 4)]);
    }
    const opened = out.filter((t) => t.type === 'opened').map((t) => t.record);
    expect(opened.map((r) => `${r.kind} ${r.source}`)).toEqual(['disk_io_saturation writer-1']);
    const related = out.filter((t) => t.type === 'updated' && t.update === 'related').map((t) => t.record.related.map((r) => `${r.source} ${r.relation}`));
    expect(related).toEqual([['node-7 host_resource']]);
  });

  it('keeps describing a recovered episode by its worst frame, with how it ended in a separate sentence and field', () => {
    // Query p95 climbs to 60 ms (15x) at frame 63, stays at 40 ms, then drops at frame 76: that frame
    // still matches (the signature reads a median of three) although its own value is back to normal.
    const db = (i: number) => (i < 60 || i >= 76 ? 4 : i === 63 ? 60 : ([20, 30, 45][i - 60] ?? 40));
    const out: BottleneckTransition[] = [];
    diagnoser(out).onSnapshots(
      Array.from({ length: 150 }, (_, i) => {
        const s = agentAt('order-agent-1', i);
        return { ...s, metrics: { ...s.metrics, db_query_p95_ms: db(i) + 0.3 * noise(i), handler_latency_p95_ms: s.metrics.handler_latency_p95_ms! + db(i) - 4 } };
      }),
    );
    const resolved = out.find((t) => t.type === 'resolved')!.record;
    expect(resolved).toMatchObject({ kind: 'slow_db_query', severity: 'critical', metric: 'db_query_p95_ms' });
    const peakAt = new Date(T0 + 63 * S).toISOString();
    expect(resolved.evidence).toMatchObject({ peak: { metric: 'db_query_p95_ms', value: expect.closeTo(60, 0), ratio: expect.closeTo(15, 0), at: peakAt }, metrics: { db_query_p95_ms: { value: expect.closeTo(60, 0) } } });
    expect(resolved.evidence.resolution).toMatchObject({ reason: 'cleared', metric: 'db_query_p95_ms', value: expect.closeTo(4, 0), ratio: expect.closeTo(1, 0) });
    const [worst, ending] = resolved.summary.split('. ');
    expect(worst).toMatch(new RegExp(`^order-agent-1 query p95 at (59|60)(\\.\\d+)? ms for \\d+ (s|min), 1[45](\\.\\d+)?x its baseline; worst at ${peakAt.replace('.000Z', 'Z')}; handler p95`));
    expect(ending).toMatch(/^Resolved \S+: query p95 [34](\.\d+)? ms, (0\.9|1(\.0)?)\d*x its baseline when it cleared$/);
  });

  it('names as affected by a host bottleneck only the agents on it still reporting and degraded, not one that stopped', () => {
    const out: BottleneckTransition[] = [];
    const d = diagnoser(out);
    const slow = (s: MetricSnapshot): MetricSnapshot => ({ ...s, metrics: { ...s.metrics, handler_latency_p95_ms: 200 + 10 * noise(s.timestamp) } });
    for (let i = 0; i < 80; i++) {
      const host = hostAt(i, 4);
      const batch = [agentAt('a', i, {}), { ...host, metrics: { ...host.metrics, cpu_usage: i >= 60 ? 97 + noise(i) : 30 + noise(i) } }];
      if (i <= 57) batch.push(i >= 55 ? slow(agentAt('b', i)) : agentAt('b', i));
      if (i >= 60) batch[0] = slow(batch[0]!);
      d.onSnapshots(batch);
    }
    const opened = out.filter((t) => t.type === 'opened').map((t) => t.record);
    expect(opened.map((r) => `${r.kind} ${r.source}`)).toEqual(['cpu_saturation node-7']);
    // a's latency shift shows from its third slow frame, one after the host's bottleneck opened: an update names it.
    const latest = out.filter((t) => t.type !== 'saved').at(-1)!.record;
    expect(latest.related.map((r) => `${r.source} ${r.relation}`)).toEqual(['a affected']);
    expect(latest.summary).toMatch(/; affects a$/);
  });

  it('stays quiet on a steady source with noise and a load step that the loop absorbs', () => {
    const out: BottleneckTransition[] = [];
    const d = diagnoser(out);
    d.onSnapshots(
      Array.from({ length: 200 }, (_, i) => {
        const s = agentAt('steady-1', i);
        const load = i >= 100 ? 2 : 1;
        return { ...s, metrics: { ...s.metrics, cpu_usage: s.metrics.cpu_usage! * load, event_loop_utilization: s.metrics.event_loop_utilization! * load, handler_latency_p95_ms: s.metrics.handler_latency_p95_ms! * (1 + 0.1 * (load - 1)) } };
      }),
    );
    expect(out).toEqual([]);
  });

  it('ignores percentages and the utilization outside their declared range, and counts them, but still reads a real one', () => {
    const out: BottleneckTransition[] = [];
    const d = diagnoser(out);
    // memory_usage sent in bytes, event_loop_utilization as a percentage: a unit error, not a full memory or a saturated loop.
    const wrongUnits = Array.from({ length: 100 }, (_, i) => {
      const s = agentAt('bytes-agent', i);
      return { ...s, metrics: { ...s.metrics, memory_usage: 2.3e8 + 1e6 * noise(i), event_loop_utilization: 97 + noise(i) } };
    });
    d.onSnapshots(wrongUnits);
    expect(out).toEqual([]);
    expect(d.stats()).toMatchObject({ outOfRange: 200, lastOutOfRange: { source: 'bytes-agent', metric: 'event_loop_utilization' } });
    // The same agent with a memory_usage in range that climbs to its limit is a memory pressure.
    d.onSnapshots(
      Array.from({ length: 30 }, (_, k) => {
        const s = agentAt('pct-agent', k);
        return { ...s, metrics: { ...s.metrics, memory_usage: k < 20 ? 60 + noise(k) : 96 + noise(k) } };
      }),
    );
    expect(published(out).map((x) => `${x.type} ${x.kind}`)).toEqual(['opened memory_pressure']);
    expect(d.stats().outOfRange).toBe(200);
  });
});

import { describe, expect, it } from 'vitest';
import { DetectionManager } from '../detect/stream/detection-manager.js';
import { AlertEvaluator } from './alert-evaluator.js';
import type { AlertTransition } from './alert-message.js';
import { resolveDegradation } from './degradation.js';
import { RuleBook } from './threshold-rules.js';
import type { DegradationSettings, ThresholdRule } from '../config/schema.js';

const T0 = Date.UTC(2026, 2, 2);
const STEP = 10_000;

/** Deterministic noise in [-1, 1]. */
function noise(i: number, salt = 0): number {
  const x = Math.sin((i + 1) * 12.9898 + salt * 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

interface Harness {
  readonly log: string[];
  readonly transitions: AlertTransition[];
  feed(source: string, metric: string, values: readonly number[], from?: number): void;
  readonly evaluator: AlertEvaluator;
  wall: number;
}

function harness(opts: { rules?: Record<string, ThresholdRule>; degradation?: DegradationSettings; staleS?: number } = {}): Harness {
  const detection = new DetectionManager({ maxSeries: 1000, anomalyScore: 0.6 });
  const transitions: AlertTransition[] = [];
  const log: string[] = [];
  let n = 0;
  const h: Harness = {
    log,
    transitions,
    wall: 0,
    evaluator: new AlertEvaluator({
      rules: () => new RuleBook(opts.rules ?? {}, { keepFiringSeconds: 0 }),
      degradation: () => resolveDegradation({ min_samples: 200, ...opts.degradation }),
      staleMs: () => (opts.staleS ?? 600) * 1000,
      detection,
      newId: () => `a${++n}`,
      now: () => h.wall,
      emit: (t) => {
        transitions.push(t);
        log.push(`${(t.at - T0) / STEP} ${t.rule} ${t.kind} ${t.episode.severity}${t.reason ? ` ${t.reason}` : ''}`);
      },
    }),
    feed(source, metric, values, from = 0) {
      values.forEach((v, k) => {
        const snap = [{ source, timestamp: T0 + (from + k) * STEP, metrics: { [metric]: v } }];
        detection.ingest(snap);
        h.evaluator.onSnapshots(snap);
      });
    },
  };
  return h;
}

const steady = (n: number, level: number, amp: number, salt = 0) => Array.from({ length: n }, (_, i) => level + amp * noise(i, salt));

describe('degradation alerts (no threshold configured)', () => {
  it('fire once after a sustained level shift holds, and resolve once it is back', () => {
    const h = harness();
    // Baseline 50: the warning distance is max(6 spreads, 25% of 50) = 12.5, critical at 37.5.
    h.feed('api-1', 'handler_latency_p95_ms', [...steady(400, 50, 2), ...steady(60, 70, 2, 1), ...steady(60, 50, 2, 2)]);
    expect(h.log).toEqual(['400 degradation pending warning', '412 degradation fired warning', '460 degradation resolved warning cleared']);
    const fired = h.transitions[1]!;
    expect(fired.reference).toMatchObject({ direction: 'above' });
    expect(Math.abs(fired.reference!.baseline - 50)).toBeLessThan(1.5);
  });

  it('escalate to critical when the departure reaches critical_factor times the warning distance', () => {
    const h = harness();
    h.feed('api-1', 'queue_depth', [...steady(400, 100, 3), ...steady(40, 1000, 3, 1)]);
    expect(h.log.slice(0, 2)).toEqual(['400 degradation pending critical', '412 degradation fired critical']);
  });

  it('stay quiet on spikes that do not hold, on noise, and on a rise within a noisy series', () => {
    const spiky = steady(800, 50, 2).map((v, i) => (i % 97 === 0 ? v + 80 : v));
    const noisy = [...steady(400, 50, 20), ...steady(100, 70, 20, 1)];
    const h = harness();
    h.feed('spiky', 'cpu_usage', spiky);
    h.feed('noisy', 'cpu_usage', noisy);
    h.feed('quiet', 'cpu_usage', steady(800, 30, 1));
    expect(h.log.filter((l) => l.includes('fired'))).toEqual([]);
  });

  it('ignore a drop of a metric whose rise is the only bad direction', () => {
    const h = harness();
    h.feed('api-1', 'cpu_usage', [...steady(400, 60, 1), ...steady(60, 35, 1, 1)]);
    h.feed('api-1', 'custom_throughput', [...steady(400, 60, 1), ...steady(60, 35, 1, 1)]);
    expect(h.log.filter((l) => l.includes('fired'))).toEqual(['412 degradation fired warning']);
    expect(h.transitions.find((t) => t.kind === 'fired')!.metric).toBe('custom_throughput');
  });

  it('need min_samples of learning, and honour excluded sources and metrics', () => {
    const shift = [...steady(400, 50, 2), ...steady(60, 120, 2, 1)];
    const young = harness({ degradation: { min_samples: 1000 } });
    young.feed('a', 'x', shift);
    expect(young.log).toEqual([]);
    const excluded = harness({ degradation: { exclude_sources: ['batch-*'], exclude_metrics: ['*_bytes'] } });
    excluded.feed('batch-7', 'x', shift);
    excluded.feed('web-1', 'heap_bytes', shift);
    excluded.feed('web-1', 'x', shift);
    expect(excluded.transitions.filter((t) => t.kind === 'fired').map((t) => `${t.source} ${t.metric}`)).toEqual(['web-1 x']);
  });

  it('accept a shift that lasts accept_after_seconds as the new baseline, then stay quiet for the cool-down', () => {
    const h = harness({ degradation: { accept_after_seconds: 600, cooldown_seconds: 3600 } });
    h.feed('a', 'x', [...steady(400, 50, 2), ...steady(200, 70, 2, 1)]);
    expect(h.log).toEqual(['400 degradation pending warning', '412 degradation fired warning', '472 degradation resolved warning baseline_adapted']);
  });

  it('are turned off live with enabled: false, ending open episodes', () => {
    let enabled = true;
    const detection = new DetectionManager({ maxSeries: 100, anomalyScore: 0.6 });
    const seen: string[] = [];
    const ev = new AlertEvaluator({
      rules: () => new RuleBook({}, { keepFiringSeconds: 0 }),
      degradation: () => resolveDegradation({ min_samples: 200, enabled }),
      staleMs: () => 600_000,
      detection,
      newId: () => 'x',
      now: () => 0,
      emit: (t) => seen.push(`${t.kind} ${t.reason ?? ''}`.trim()),
    });
    [...steady(400, 50, 2), ...steady(20, 120, 2, 1)].forEach((v, i) => detection.ingest([{ source: 'a', timestamp: T0 + i * STEP, metrics: { x: v } }]));
    enabled = false;
    ev.rulesChanged();
    expect(seen).toEqual(['pending', 'fired', 'resolved rule_removed']);
  });
});

describe('alert evaluator', () => {
  it('ends an open episode as stale when its series stops reporting (wall clock), dated in event time', () => {
    const h = harness({ rules: { cpu_usage: { critical: 90 } }, staleS: 60 });
    h.feed('a', 'cpu_usage', [95, 96]);
    h.wall = 59_000;
    h.evaluator.sweep();
    expect(h.log).toEqual(['0 threshold fired critical']);
    h.wall = 61_000;
    h.evaluator.sweep();
    expect(h.log).toEqual(['0 threshold fired critical', '7 threshold resolved critical stale']);
  });

  it('continues restored episodes without firing again, across the restart gap', () => {
    const first = harness({ rules: { cpu_usage: { critical: 90 } }, staleS: 60 });
    first.feed('a', 'cpu_usage', [95, 96]);
    const open = [...first.evaluator.open()];
    expect(open).toHaveLength(1);
    const second = harness({ rules: { cpu_usage: { critical: 90 } }, staleS: 60 });
    second.evaluator.restore(open);
    second.feed('a', 'cpu_usage', [97, 98, 50], 100);
    expect(second.log).toEqual(['102 threshold resolved critical cleared']);
    expect(second.transitions[0]!.episode.alertId).toBe(open[0]!.episode.alertId);
  });

  it('hands out open episodes whose value changed, once', () => {
    const h = harness({ rules: { cpu_usage: { critical: 90 } } });
    h.feed('a', 'cpu_usage', [95, 96, 97]);
    expect([...h.evaluator.dirtyOpen()].map((o) => o.episode.value)).toEqual([97]);
    expect([...h.evaluator.dirtyOpen()]).toEqual([]);
  });
});

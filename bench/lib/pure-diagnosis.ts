import type { Config } from '../../src/config/schema.js';
import { DetectionManager } from '../../src/detect/stream/detection-manager.js';
import { Diagnoser } from '../../src/diagnose/diagnoser.js';
import { diagnosisSettings } from '../../src/diagnose/stage/diagnosis-stage.js';
import { detectionSettings } from '../../src/detect/stage/detection-stage.js';
import type { MetricSnapshot } from '../../src/model/snapshot.js';
import { snapshotFanOut } from '../../src/engine/snapshot-fan-out.js';
import type { SeenBottleneck } from './diagnosis-scoring.js';

/**
 * Detection and diagnosis of a stream in one process without the bus or a database: the engine's
 * own pure cores (DetectionManager without a history loader, Diagnoser with event time as its
 * clock) behind the engine's own fan-out, fed the snapshots in timestamp order in `batch`-sized
 * slices. Deterministic by
 * construction, and fast enough to score many seeds and variants: the engine runs (NATS,
 * PostgreSQL) stay the proof that the stages behave the same.
 */
export function diagnosePure(config: Config, snapshots: readonly MetricSnapshot[], batch = 1): SeenBottleneck[] {
  const d = detectionSettings(config);
  const manager = new DetectionManager({ maxSeries: d.maxSeries, anomalyScore: d.anomalyScore });
  const seen: SeenBottleneck[] = [];
  let clock = 0;
  let ids = 0;
  const diagnoser = new Diagnoser({
    detail: (source, metric) => manager.detail(source, metric),
    settings: () => diagnosisSettings(config),
    newId: () => `b${++ids}`,
    now: () => clock,
    emit: (t) => {
      if (t.type === 'opened') seen.push({ id: t.record.id, kind: t.record.kind, source: t.record.source, startedAt: t.record.startedAt, detectedAt: t.record.detectedAt });
    },
  });
  manager.onAnomaly((a) => diagnoser.onAnomaly(a));
  const fanOut = snapshotFanOut([(s) => manager.ingest(s), (s) => diagnoser.onSnapshots(s)], [], (err) => {
    throw err;
  });
  const ordered = [...snapshots].sort((p, q) => p.timestamp - q.timestamp);
  for (let i = 0; i < ordered.length; i += batch) {
    const slice = ordered.slice(i, i + batch);
    clock = slice.at(-1)!.timestamp;
    fanOut(slice);
    diagnoser.sweep();
  }
  return seen;
}

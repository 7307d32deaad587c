import type { MetricSnapshot } from '../../src/model/snapshot.js';
import type { Db } from '../../src/store/db.js';
import { MetricWriter } from '../../src/store/metric-writer.js';
import { TierWriter } from '../../src/store/tier-writer.js';
import { quietLogger } from './services.js';

/** Stores snapshots as the engine does, folding into the tiers what each batch stored, then writes the tiers out. */
export async function storeWithTiers(db: Db, snapshots: readonly MetricSnapshot[]): Promise<void> {
  const tiers = new TierWriter(db, quietLogger());
  const writer = new MetricWriter(db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 5000, maxPendingSamples: 100_000, onStored: (s, a, b) => tiers.fold(s, a, b) });
  await writer.write(snapshots);
  await writer.stop();
  await tiers.stop();
}

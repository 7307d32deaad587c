import { Ajv } from 'ajv';
import { z } from 'zod';
import { figure, type Benchmark } from './figure.js';
import { SnapshotWire } from '../src/wire/realtime-metrics.js';
import { createSnapshotDecoder } from '../src/ingest/decode-snapshots.js';
import { generateSnapshots } from './lib/workload.js';
import { checkJsonLimits } from '../src/wire/json-limits.js';
import { INBOUND_LIMITS } from '../src/wire/inbound-limits.js';

/** Mean µs per call of `fn` over the messages, after a warm-up pass. */
function timePerCall(messages: readonly Uint8Array[], fn: (m: Uint8Array) => unknown, rounds: number): number {
  for (const m of messages) fn(m);
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const m of messages) fn(m);
  return Number(process.hrtime.bigint() - t0) / 1000 / (rounds * messages.length);
}

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const zodSnapshot = z
  .object({
    source: z.string().regex(NAME),
    timestamp: z.union([z.string().datetime({ offset: true }), z.number().int().nonnegative()]),
    metrics: z.record(z.string().regex(NAME), z.number().finite()),
    host: z.string().regex(NAME).optional(),
    labels: z.record(z.string().min(1).max(128), z.string().max(1024)).optional(),
    health: z.enum(['healthy', 'degraded', 'unhealthy']).optional(),
  })
  .passthrough();

const bench: Benchmark = {
  name: 'validate',
  description: 'edge validation cost of one 50-sample realtime_metrics message: JSON.parse alone, + ajv, + zod, + the engine decoder, + the bus edge pre-scan',
  async run(ctx) {
    const snaps = [...generateSnapshots({ sources: 200, metricsPerSnapshot: 50, snapshotsPerSource: 10, intervalMs: 1000, start: Date.now() - 60_000 })];
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    const messages = snaps.map((s) => enc.encode(JSON.stringify({ ...s, timestamp: new Date(s.timestamp).toISOString() })));
    const ajvFull = new Ajv({ strict: false }).compile(SnapshotWire);
    const engine = createSnapshotDecoder({ maxFutureSkewMs: 300_000, maxAgeMs: 90 * 86_400_000, maxBatchSnapshots: 10_000, maxBytes: 64 << 20 });
    const rounds = 20;
    ctx.log(`${messages.length} messages x ${rounds} rounds`);
    const parse = timePerCall(messages, (m) => JSON.parse(dec.decode(m)), rounds);
    const ajv = timePerCall(messages, (m) => ajvFull(JSON.parse(dec.decode(m))), rounds);
    const zod = timePerCall(messages, (m) => zodSnapshot.safeParse(JSON.parse(dec.decode(m))), rounds);
    const ours = timePerCall(messages, (m) => engine(m), rounds);
    const edge = timePerCall(messages, (m) => checkJsonLimits(m, INBOUND_LIMITS.realtimeMetrics) ?? engine(m), rounds);
    const common = { bench: 'validate', unit: 'us/message', reference: { name: 'JSON.parse alone', value: parse, unit: 'us/message' } };
    return [
      figure({ ...common, name: 'JSON.parse + ajv (full wire schema, name regex per key)', value: ajv }),
      figure({ ...common, name: 'JSON.parse + zod safeParse', value: zod }),
      figure({
        ...common,
        name: 'engine decoder (JSON.parse + ajv on the structure + name cache, finite check, timestamps)',
        value: ours,
        target: 'validation must not dominate: < 2x JSON.parse',
        met: ours < 2 * parse,
      }),
      figure({
        ...common,
        name: 'bus edge pre-scan (size, depth, keys per object) + engine decoder: the whole edge',
        value: edge,
        target: 'validation must not dominate: < 2x JSON.parse',
        met: edge < 2 * parse,
      }),
    ];
  },
};

export default bench;

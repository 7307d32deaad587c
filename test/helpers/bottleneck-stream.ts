import type { NatsConnection } from '@nats-io/transport-node';
import type { MetricSnapshot } from '../../src/model/snapshot.js';

/** A collected `performance.bottleneck_detected` or `performance.bottleneck_updated` message. */
export interface SeenBottleneck {
  readonly subject: 'detected' | 'updated';
  readonly body: Record<string, unknown>;
}

/** Collects the bottleneck messages of an isolated engine (both subjects, in arrival order). */
export function collectBottlenecks(nc: NatsConnection, prefix: string): SeenBottleneck[] {
  const seen: SeenBottleneck[] = [];
  for (const [subject, kind] of [
    ['performance.bottleneck_detected', 'detected'],
    ['performance.bottleneck_updated', 'updated'],
  ] as const) {
    nc.subscribe(`${prefix}${subject}`, {
      callback: (_e, m) => {
        seen.push({ subject: kind, body: m.json<Record<string, unknown>>() });
      },
    });
  }
  return seen;
}

/**
 * Publishes recorded snapshots (past timestamps, in time order) over NATS as requests, so each is
 * committed before the reply: `batch` snapshots per message as fast as replies come, or one at a
 * time `paceMs` apart.
 */
export async function replaySnapshots(nc: NatsConnection, prefix: string, snapshots: readonly MetricSnapshot[], opts: { batch?: number; paceMs?: number } = {}): Promise<void> {
  const subject = `${prefix}monitoring.realtime_metrics`;
  const batch = opts.paceMs ? 1 : (opts.batch ?? 200);
  for (let i = 0; i < snapshots.length; i += batch) {
    const part = snapshots.slice(i, i + batch);
    const reply = await nc.request(subject, JSON.stringify(part.length === 1 ? part[0] : part), { timeout: 20_000 });
    const body = reply.json<{ ok: boolean; error?: unknown }>();
    if (!body.ok) throw new Error(`publish refused: ${JSON.stringify(body.error)}`);
    if (opts.paceMs) await new Promise((r) => setTimeout(r, opts.paceMs));
  }
}

/** The same snapshots under other source and host names (`name` → `prefix` + name), for replaying one stream twice into one engine. */
export function renamed(snapshots: readonly MetricSnapshot[], prefix: string): MetricSnapshot[] {
  return snapshots.map((s) => ({ ...s, source: `${prefix}${s.source}`, ...(s.host !== undefined ? { host: `${prefix}${s.host}` } : {}) }));
}

/** Bottleneck messages of the sources starting with `prefix`, without what differs between runs (ids, the prefix). */
export function normalisedBottlenecks(seen: readonly SeenBottleneck[], prefix: string): Record<string, unknown>[] {
  return seen
    .filter((b) => String(b.body.source).startsWith(prefix))
    .map((b) => JSON.parse(JSON.stringify({ subject: b.subject, ...b.body, bottleneck_id: '-' }).replaceAll(prefix, '<p>')) as Record<string, unknown>);
}

import type { NatsConnection } from '@nats-io/transport-node';

/** A collected `performance.alert` or `performance.alert_update` message. */
export interface SeenAlert {
  readonly subject: 'alert' | 'update';
  readonly body: Record<string, unknown>;
}

/** Collects alert messages of an isolated engine (both subjects, in arrival order). */
export function collectAlerts(nc: NatsConnection, prefix: string): SeenAlert[] {
  const seen: SeenAlert[] = [];
  for (const [subject, kind] of [
    ['performance.alert', 'alert'],
    ['performance.alert_update', 'update'],
  ] as const) {
    nc.subscribe(`${prefix}${subject}`, {
      callback: (_e, m) => {
        seen.push({ subject: kind, body: m.json<Record<string, unknown>>() });
      },
    });
  }
  return seen;
}

/** One point of a recorded series: seconds from the start and the value. */
export type Point = readonly [seconds: number, value: number];

/**
 * Publishes a series of one metric of one source with past timestamps, over NATS, each snapshot
 * as a request (so it is committed before the reply). `pace` waits between snapshots (real-ish
 * pace); 0 publishes as fast as replies come back, in `batch`-snapshot messages.
 */
export async function replay(
  nc: NatsConnection,
  prefix: string,
  source: string,
  metric: string,
  start: number,
  points: readonly Point[],
  opts: { paceMs?: number; batch?: number } = {},
): Promise<void> {
  const subject = `${prefix}monitoring.realtime_metrics`;
  const batch = opts.paceMs ? 1 : (opts.batch ?? 50);
  for (let i = 0; i < points.length; i += batch) {
    const snaps = points.slice(i, i + batch).map(([s, v]) => ({ source, timestamp: start + s * 1000, metrics: { [metric]: v } }));
    const reply = await nc.request(subject, JSON.stringify(snaps.length === 1 ? snaps[0] : snaps), { timeout: 30_000 });
    const body = reply.json<{ ok: boolean; error?: unknown }>();
    if (!body.ok) throw new Error(`publish refused: ${JSON.stringify(body.error)}`);
    if (opts.paceMs) await new Promise((r) => setTimeout(r, opts.paceMs));
  }
}

/** A series as evenly spaced points, `every` seconds apart, from a list of values. */
export function evenly(values: readonly number[], every: number, from = 0): Point[] {
  return values.map((v, i) => [from + i * every, v] as const);
}

/** The alert messages of one source, without what differs between runs (ids, source), for comparing runs. */
export function normalised(seen: readonly SeenAlert[], source: string): Record<string, unknown>[] {
  return seen
    .filter((a) => a.body.source === source)
    .map((a) => {
      const { alert_id: _id, source: _s, message, ...rest } = a.body;
      return { subject: a.subject, ...rest, message: String(message).replace(source, '<source>') };
    });
}

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DurableMessage } from '../bus/jetstream-source.js';
import type { InvalidMessageReporter } from '../bus/invalid-messages.js';
import type { CommitCallback, MetricWriter } from '../store/metric-writer.js';
import { createSnapshotDecoder } from './decode-snapshots.js';
import { RecentMessages } from './recent-messages.js';
import { StreamIngest } from './stream-ingest.js';

/** A writer that takes appends while it has room and commits when told to. */
class FakeWriter {
  room = Infinity;
  readonly queued: { samples: number; onCommit?: CommitCallback; maybeStored?: boolean }[] = [];
  append(_s: unknown, onCommit?: CommitCallback, samples = 0, opts: { maybeStored?: boolean } = {}): boolean {
    if (samples > this.room) return false;
    this.room -= samples;
    this.queued.push({ samples, ...(onCommit ? { onCommit } : {}), ...(opts.maybeStored ? { maybeStored: true } : {}) });
    return true;
  }
  commitAll(err?: Error): void {
    for (const q of this.queued.splice(0)) q.onCommit?.(err);
  }
}

function message(body: unknown, opts: { msgId?: string; redelivered?: boolean } = {}): DurableMessage & { outcome: string[] } {
  const outcome: string[] = [];
  return {
    data: new TextEncoder().encode(JSON.stringify(body)),
    ...(opts.msgId ? { msgId: opts.msgId } : {}),
    redelivered: opts.redelivered ?? false,
    outcome,
    ack: () => outcome.push('ack'),
    nak: () => outcome.push('nak'),
    term: () => outcome.push('term'),
  };
}

function setup() {
  const writer = new FakeWriter();
  const reports: string[] = [];
  const ingest = new StreamIngest({
    writer: writer as unknown as MetricWriter,
    recent: new RecentMessages(),
    decode: createSnapshotDecoder({ maxFutureSkewMs: 300_000, maxAgeMs: 90 * 86_400_000, maxBatchSnapshots: 100, maxBytes: 1_000_000 }),
    invalid: { report: (_s: string, code: string) => reports.push(code) } as unknown as InvalidMessageReporter,
    log: pino({ level: 'silent' }),
    subject: 'monitoring.realtime_metrics',
    reserveSamples: 0,
    onAccepted: () => undefined,
  });
  return { writer, ingest, reports };
}

const BASE = Date.now() - 60_000;
const snap = (v: number) => ({ source: 'a', timestamp: BASE + v, metrics: { v, w: 1 } });

describe('StreamIngest', () => {
  it('acknowledges a message only once its samples are committed', () => {
    const { writer, ingest } = setup();
    const m = message(snap(1));
    ingest.handle(m);
    expect(m.outcome).toEqual([]);
    writer.commitAll();
    expect(m.outcome).toEqual(['ack']);
  });

  it('lets a message that comes again wait for the first one, and writes it once', () => {
    const { writer, ingest } = setup();
    const first = message(snap(2));
    const again = message(snap(2), { redelivered: true });
    ingest.handle(first);
    ingest.handle(again);
    expect(writer.queued).toHaveLength(1);
    writer.commitAll();
    expect([first.outcome, again.outcome]).toEqual([['ack'], ['ack']]);
    const late = message(snap(2));
    ingest.handle(late);
    expect(late.outcome).toEqual(['ack']);
    expect(ingest.stats().duplicates).toBe(2);
  });

  it('holds what the writer has no room for, pulls nothing more meanwhile, and hands it back on stop', () => {
    const { writer, ingest } = setup();
    writer.room = 2;
    const fits = message(snap(3));
    const held = message(snap(4));
    ingest.handle(fits);
    ingest.handle(held);
    expect(ingest.canTake()).toBe(false);
    expect(ingest.stats().held).toBe(1);
    ingest.stop();
    expect(held.outcome).toEqual(['nak']);
    writer.commitAll();
    expect(fits.outcome).toEqual(['ack']);
  });

  it('hands a message back when its write fails for now, and drops one the database refuses', () => {
    const { writer, ingest } = setup();
    const transient = message(snap(5));
    ingest.handle(transient);
    writer.commitAll(Object.assign(new Error('connection lost'), { code: '08006' }));
    const refused = message(snap(6));
    ingest.handle(refused);
    writer.commitAll(Object.assign(new Error('bad value'), { code: '22003' }));
    expect([transient.outcome, refused.outcome]).toEqual([['nak'], ['term']]);
  });

  it('drops an invalid message, reporting it on its first delivery only', () => {
    const { ingest, reports } = setup();
    const bad = message({ source: 'a', timestamp: BASE, metrics: { v: 'x' } });
    const badAgain = message({ source: 'a', timestamp: BASE, metrics: { v: 'x' } }, { redelivered: true });
    ingest.handle(bad);
    ingest.handle(badAgain);
    expect([bad.outcome, badAgain.outcome]).toEqual([['term'], ['term']]);
    expect(reports).toEqual(['bad_shape']);
  });

  it('flags a redelivery so that the writer checks for it first', () => {
    const { writer, ingest } = setup();
    ingest.handle(message(snap(7), { redelivered: true }));
    expect(writer.queued[0]!.maybeStored).toBe(true);
  });
});

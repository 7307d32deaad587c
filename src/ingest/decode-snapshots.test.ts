import { describe, expect, it } from 'vitest';
import { createSnapshotDecoder } from './decode-snapshots.js';

const NOW = Date.parse('2026-11-23T10:00:00.000Z');
const DAY = 86_400_000;
const decode = createSnapshotDecoder({ maxFutureSkewMs: 300_000, maxAgeMs: 90 * DAY, maxBatchSnapshots: 3, maxBytes: 100_000 }, () => NOW);
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const good = {
  source: 'order-agent-1',
  host: 'node-7',
  timestamp: '2026-11-23T10:00:00.000Z',
  metrics: { cpu_usage: 93.5, memory_usage: 71.2 },
  labels: { region: 'eu-west' },
  health: 'healthy',
};

function rejection(v: unknown) {
  const r = decode(bytes(v));
  if (r.ok) throw new Error('expected a rejection');
  return r.rejection;
}

describe('snapshot decoder', () => {
  it('accepts the PROTOCOL.md example and converts the timestamp to epoch ms', () => {
    const r = decode(bytes(good));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.samples).toBe(2);
    expect(r.snapshots[0]).toEqual({
      source: 'order-agent-1',
      host: 'node-7',
      timestamp: NOW,
      metrics: { cpu_usage: 93.5, memory_usage: 71.2 },
      labels: { region: 'eu-west' },
      health: 'healthy',
    });
  });

  it('accepts batches, epoch-millisecond timestamps and offsets', () => {
    const r = decode(bytes([good, { source: 'a', timestamp: NOW - 1000, metrics: { x: 1 } }, { ...good, timestamp: '2026-11-23T11:00:00+01:00' }]));
    expect(r.ok && r.snapshots.map((s) => s.timestamp)).toEqual([NOW, NOW - 1000, NOW]);
    expect(r.ok && r.samples).toBe(5);
  });

  it('rejects bad JSON and non-UTF-8 bytes', () => {
    expect(rejection('{"source":').code).toBe('bad_json');
    expect(decode(new Uint8Array([0x7b, 0xff, 0x7d])).ok).toBe(false);
  });

  it('rejects non-finite values: NaN literal, 1e999, strings and null', () => {
    expect(rejection('{"source":"a","timestamp":0,"metrics":{"x":NaN}}').code).toBe('bad_json');
    const inf = rejection(`{"source":"a","timestamp":${NOW},"metrics":{"x":1e999}}`);
    expect(inf.code).toBe('bad_shape');
    expect(inf.message).toContain('finite number');
    expect(rejection({ ...good, metrics: { x: '1' } }).code).toBe('bad_shape');
    expect(rejection({ ...good, metrics: { x: null } }).code).toBe('bad_shape');
  });

  it('rejects missing fields, unknown health, empty and oversized metric maps', () => {
    expect(rejection({ timestamp: good.timestamp, metrics: good.metrics }).message).toContain('"source"');
    expect(rejection({ ...good, health: 'sick' }).code).toBe('bad_shape');
    expect(rejection({ ...good, metrics: {} }).code).toBe('bad_shape');
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`m${i}`, i]));
    expect(rejection({ ...good, metrics: many }).code).toBe('bad_shape');
    const labels = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v']));
    expect(rejection({ ...good, labels }).code).toBe('bad_shape');
  });

  it('rejects names outside the alphabet or too long', () => {
    expect(rejection({ ...good, source: 'bad source' }).code).toBe('bad_shape');
    expect(rejection({ ...good, source: 'x'.repeat(129) }).code).toBe('bad_shape');
    expect(rejection({ ...good, metrics: { 'cpu usage': 1 } }).message).toContain('A-Z a-z 0-9');
    expect(rejection({ ...good, metrics: { ['m'.repeat(129)]: 1 } }).code).toBe('bad_shape');
  });

  it('rejects timestamps that are invalid, malformed or too far in the future', () => {
    expect(rejection({ ...good, timestamp: '2026-13-45T10:00:00Z' }).code).toBe('bad_timestamp');
    expect(rejection({ ...good, timestamp: '23/11/2026' }).code).toBe('bad_shape');
    expect(rejection({ ...good, timestamp: 1.5 }).code).toBe('bad_shape');
    expect(rejection({ ...good, timestamp: NOW + 301_000 }).code).toBe('future_timestamp');
    expect(decode(bytes({ ...good, timestamp: NOW + 299_000 })).ok).toBe(true);
  });

  it('rejects a timestamp older than the retention window, naming it and the window, and accepts one just inside', () => {
    const old = rejection({ ...good, timestamp: '2000-01-01T00:00:00Z' });
    expect(old.code).toBe('old_timestamp');
    expect(old.message).toBe(
      'snapshot.timestamp: 2000-01-01T00:00:00.000Z is older than the retention window of 90 days (data_retention_days); ' +
        'accepted from 2026-08-25T10:00:00.000Z to 2026-11-23T10:05:00.000Z',
    );
    expect(rejection({ ...good, timestamp: 0 }).code).toBe('old_timestamp');
    expect(rejection([good, { ...good, timestamp: NOW - 90 * DAY - 1 }]).message).toMatch(/^snapshot\[1\]\.timestamp: 2026-08-25T09:59:59\.999Z is older/);
    expect(decode(bytes({ ...good, timestamp: NOW - 90 * DAY })).ok).toBe(true);
    expect(rejection({ ...good, timestamp: NOW + 301_000 }).message).toContain('in the future (ingest_max_future_skew_seconds); accepted from');
  });

  it('rejects impossible dates that Date.parse would roll over: February 30, hour 24, a bad offset', () => {
    for (const ts of ['2026-02-30T10:00:00Z', '2026-11-31T10:00:00Z', '2026-11-22T24:00:00Z', '2026-11-23T09:60:00Z', '2026-11-23T10:00:00+24:00', '2026-11-23T09:59:60Z']) {
      expect(rejection({ ...good, timestamp: ts }).code, ts).toBe('bad_timestamp');
    }
    const leap = decode(bytes({ ...good, timestamp: '2024-02-29T10:00:00Z' }));
    expect(leap.ok ? null : leap.rejection.code).toBe('old_timestamp');
    const r = decode(bytes([{ ...good, timestamp: '2026-11-23T11:30:00.123456789+01:30' }, { ...good, timestamp: '2026-11-22 23:59:59.5Z' }]));
    expect(r.ok && r.snapshots.map((x) => x.timestamp)).toEqual([NOW + 123, NOW - 10 * 3_600_000 - 500]);
  });

  it('rejects a whole batch when one snapshot is bad, naming its index', () => {
    const r = rejection([good, { ...good, metrics: { x: 'y' } }]);
    expect(r.message).toContain('snapshot[1]');
  });

  it('rejects empty and oversized batches, and oversized messages', () => {
    expect(rejection([]).code).toBe('bad_shape');
    expect(rejection([good, good, good, good]).code).toBe('too_many_snapshots');
    expect(rejection({ ...good, labels: { big: 'x'.repeat(1000) }, pad: 'y'.repeat(100_000) }).code).toBe('too_large');
  });

  it('rejects JSON that is not an object or array of objects', () => {
    expect(rejection('42').code).toBe('bad_shape');
    expect(rejection('"text"').code).toBe('bad_shape');
    expect(rejection('[1,2]').code).toBe('bad_shape');
  });
});

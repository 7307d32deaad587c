import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSnapshotDecoder, type DecodeResult } from './decode-snapshots.js';

const NOW = Date.parse('2026-11-23T10:00:00.000Z');
const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const decode = createSnapshotDecoder({ maxFutureSkewMs: 300_000, maxAgeMs: 90 * 86_400_000, maxBatchSnapshots: 3, maxBytes: 1 << 20 }, () => NOW);
const base = { source: 'order-agent-1', timestamp: NOW, metrics: { cpu_usage: 1 } };
const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function rejected(r: DecodeResult): { code: string; message: string } {
  if (r.ok) throw new Error('expected a rejection');
  return r.rejection;
}

/** Text PostgreSQL's jsonb stores as it is: no NUL, no half of a surrogate pair. */
function storable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) i++;
    else if (c >= 0xd800 && c <= 0xdfff) return false;
  }
  return true;
}

describe('label rules', () => {
  it('accepts names of the name rule and any value jsonb can store, unicode included', () => {
    const labels = { region: 'eu-west', 'k8s.pod:name_1': 'é 😀 中文 \t tab', empty: '', x: 'a'.repeat(1024) };
    const r = decode(text({ ...base, labels }));
    expect(r.ok && r.snapshots[0]!.labels).toEqual(labels);
    const full = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`label_${i}`, 'v'.repeat(1024)]));
    expect(decode(text({ ...base, labels: full })).ok).toBe(true);
  });

  it('rejects a label name outside the name rule, naming it, whatever its value', () => {
    for (const name of ['a=b', 'with space', 'new\nline', '', 'x'.repeat(129), 'ünï']) {
      const r = rejected(decode(text({ ...base, labels: { [name]: 42 } })));
      expect(r.code).toBe('bad_shape');
      expect(r.message).toContain(`label name ${JSON.stringify(name.slice(0, 140))}`);
    }
  });

  it('rejects values that are not strings, too long, or hold NUL or a lone surrogate', () => {
    for (const value of [1, null, {}, ['a'], true, 'x'.repeat(1025)]) {
      expect(rejected(decode(text({ ...base, labels: { a: value } }))).code).toBe('bad_shape');
    }
    for (const value of ['a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800']) {
      expect(rejected(decode(text({ ...base, labels: { a: value } })))).toEqual({
        code: 'bad_shape',
        message: 'snapshot.labels.a: a label value must not contain NUL or an unpaired surrogate',
      });
    }
    expect(rejected(decode(text({ ...base, labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v'])) }))).code).toBe('bad_shape');
  });

  it('accepts a label value exactly when jsonb can store it (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constant('\u0000'), fc.constant('\ud800'), fc.constant('\udc00'), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 40 }), (value) => {
        expect(decode(text({ ...base, labels: { a: value } })).ok).toBe(storable(value));
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('timestamps the database cannot store', () => {
  it('rejects year 0000, times before 1970 and past year 9999, and accepts both ends of the range', () => {
    for (const ts of ['0000-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59-00:01']) {
      const r = rejected(decode(text({ ...base, timestamp: ts })));
      expect(r.code).toBe('bad_timestamp');
      expect(r.message).toMatch(/outside the storable range 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z/);
    }
    expect(rejected(decode(text({ ...base, timestamp: '0000-01-01T00:00:00Z' }))).message).toContain('0000-01-01T00:00:00.000Z is outside');
    // A window wide enough to take both ends: the storable range alone decides.
    const lenient = createSnapshotDecoder({ maxFutureSkewMs: 1e15, maxAgeMs: 1e15, maxBatchSnapshots: 3, maxBytes: 1 << 20 }, () => NOW);
    for (const ts of ['1970-01-01T00:00:00Z', 0, '9999-12-31T23:59:59.999Z', 253402300799999]) {
      expect(lenient(text({ ...base, timestamp: ts })).ok).toBe(true);
    }
  });
});

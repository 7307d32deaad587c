import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PG_EPOCH_MS, SIGNATURE, writeCopyHeader, writeCopyTime } from './copy-binary.js';

/** A timestamptz field as PostgreSQL's binary format defines it: length 8, then int8 microseconds since 2000-01-01. */
function expectedTime(ms: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeInt32BE(8, 0);
  const us = ms === Infinity ? 0x7fff_ffff_ffff_ffffn : ms === -Infinity ? -0x8000_0000_0000_0000n : BigInt(Math.round((ms - PG_EPOCH_MS) * 1000));
  b.writeBigInt64BE(us, 4);
  return b;
}

describe('binary COPY fields', () => {
  it('writes a time as int8 microseconds since 2000, before and after it, and the infinities as PostgreSQL does', () => {
    const times = fc.oneof(fc.integer({ min: -4e12, max: 8e12 }), fc.double({ min: -4e12, max: 8e12, noNaN: true }), fc.constantFrom(Infinity, -Infinity, PG_EPOCH_MS));
    fc.assert(
      fc.property(times, (ms) => {
        const buf = Buffer.alloc(16);
        expect(writeCopyTime(buf, 2, ms)).toBe(14);
        expect(buf.subarray(2, 14)).toEqual(expectedTime(ms));
      }),
    );
  });

  it('starts a payload with the signature, no flags and no header extension', () => {
    const buf = Buffer.alloc(32);
    expect(writeCopyHeader(buf)).toBe(SIGNATURE.length + 8);
    expect(buf.subarray(0, SIGNATURE.length + 8)).toEqual(Buffer.concat([SIGNATURE, Buffer.alloc(8)]));
  });
});

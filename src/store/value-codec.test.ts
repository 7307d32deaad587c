import { describe, expect, it } from 'vitest';
import { RAW_TAG, decimalScale, decodeValues, encodeValues } from './value-codec.js';

function roundTrip(values: number[]): number[] {
  const { enc, f8 } = encodeValues(values);
  return decodeValues(enc, f8);
}

describe('value codec', () => {
  it('finds the smallest exact decimal scale, or none', () => {
    expect(decimalScale(42)).toBe(0);
    expect(decimalScale(37.28)).toBe(2);
    expect(decimalScale(-0.125)).toBe(3);
    expect(decimalScale(0.1 + 0.2)).toBe(-1);
    expect(decimalScale(Math.PI)).toBe(-1);
    expect(decimalScale(-0)).toBe(-1);
    expect(decimalScale(2 ** 53)).toBe(-1);
    expect(decimalScale(1e-7)).toBe(-1);
  });

  it('round-trips every value bit for bit, including the awkward ones', () => {
    const values = [0, -0, 1, -1, 37.28, -0.001, 0.1 + 0.2, Math.PI, Number.MAX_VALUE, -5e-324, 2 ** 52 - 1, -(2 ** 51), 2 ** 60, 1e-7, 123456.789012];
    const back = roundTrip(values);
    back.forEach((v, i) => expect(Object.is(v, values[i]), `value ${values[i]}`).toBe(true));
  });

  it('round-trips random decimals, integers and doubles', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const values = Array.from({ length: 1 + Math.floor(rand() * 60) }, () => {
        const kind = Math.floor(rand() * 4);
        if (kind === 0) return Math.round((rand() - 0.5) * 1e6) / 100;
        if (kind === 1) return Math.floor(rand() * 2 ** 40);
        if (kind === 2) return (rand() - 0.5) * 1e10;
        return Math.round(rand() * 1000) / 1000;
      });
      const back = roundTrip(values);
      back.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true));
    }
  });

  it('uses the smallest width that fits, one tag byte per value, and f8 only for raw values', () => {
    const small = encodeValues([1, 2, 3.5, 99.99]);
    expect(small.enc[0]).toBe(2);
    expect(small.enc.length).toBe(1 + 4 + 4 * 2);
    expect(small.f8).toBeNull();
    const mixed = encodeValues([1, Math.PI]);
    expect(mixed.enc[2]).toBe(RAW_TAG);
    expect(mixed.f8).toEqual([null, Math.PI]);
    expect(encodeValues([1e9]).enc[0]).toBe(4);
    expect(encodeValues([2 ** 40]).enc[0]).toBe(8);
  });
});

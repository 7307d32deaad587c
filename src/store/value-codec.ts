/**
 * Compact, lossless encoding of a snapshot's values, decodable by plain SQL (see the
 * `perf_snapshot_value` function of the migrations).
 *
 * Most metric values are integers or decimals with a few digits (37.28 %, 1048576 bytes, 0.125):
 * as float64 each takes 8 bytes whatever its size. Here a value that is exactly `r / 10^k` for an
 * integer `r` (|r| < 2^52) and a scale `k` in 0..6 is stored as the zigzag form of `r` in a fixed
 * width `w` (1, 2, 4 or 8 bytes: the smallest that fits every such value of the snapshot), with
 * one tag byte holding `k`. Anything else (0.30000000000000004, 1e300, -0) is "raw": tag 255, and
 * its float64 goes into a side `float8[]` at the same position (NULL elsewhere). Decoding divides
 * `r` by `10^k` in IEEE double, exactly as the encoder checked, so every value round-trips bit
 * for bit.
 *
 * Layout of `enc`: byte 0 = w; bytes 1..n = tags; then n slots of w bytes, big-endian.
 */

/** Tag of a value stored in the side float8[] array. */
export const RAW_TAG = 255;
const MAX_SCALE = 6;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];
const LIMIT = 2 ** 52;
const TWO_32 = 4_294_967_296;

/** An encoded snapshot: `enc` always, `f8` only when some value is raw. */
export interface EncodedValues {
  readonly enc: Buffer;
  readonly f8: (number | null)[] | null;
}

/** Scale (0..6) at which `v` is an exact decimal, or -1 when it must be stored raw. */
export function decimalScale(v: number): number {
  if (Object.is(v, -0)) return -1;
  for (let k = 0; k <= MAX_SCALE; k++) {
    const p = POW10[k]!;
    const r = Math.round(v * p);
    if (Math.abs(r) < LIMIT && r / p === v) return k;
  }
  return -1;
}

function widthFor(zigzag: number): number {
  if (zigzag < 0x100) return 1;
  if (zigzag < 0x10000) return 2;
  if (zigzag < TWO_32) return 4;
  return 8;
}

/** Encodes a snapshot's values in order. */
export function encodeValues(values: ArrayLike<number>): EncodedValues {
  const n = values.length;
  const tags = new Uint8Array(n);
  const zig = new Float64Array(n);
  let width = 1;
  let f8: (number | null)[] | null = null;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const k = decimalScale(v);
    if (k < 0) {
      tags[i] = RAW_TAG;
      f8 ??= new Array<number | null>(n).fill(null);
      f8[i] = v;
      continue;
    }
    const r = Math.round(v * POW10[k]!);
    const z = r >= 0 ? 2 * r : -2 * r - 1;
    tags[i] = k;
    zig[i] = z;
    const w = widthFor(z);
    if (w > width) width = w;
  }
  const enc = Buffer.allocUnsafe(1 + n + n * width);
  enc[0] = width;
  enc.set(tags, 1);
  let o = 1 + n;
  for (let i = 0; i < n; i++, o += width) {
    const z = tags[i] === RAW_TAG ? 0 : zig[i]!;
    switch (width) {
      case 1:
        enc[o] = z;
        break;
      case 2:
        enc.writeUInt16BE(z, o);
        break;
      case 4:
        enc.writeUInt32BE(z, o);
        break;
      default: {
        const hi = Math.floor(z / TWO_32);
        enc.writeUInt32BE(hi, o);
        enc.writeUInt32BE(z - hi * TWO_32, o + 4);
      }
    }
  }
  return { enc, f8 };
}

/**
 * Value `i` (0-based) of an encoding of `length` bytes at byte `at` of `view`; a raw value comes
 * from `f8`. Readers that fetch packed rows decode in place with it.
 */
export function decodeValueAt(view: DataView, at: number, length: number, i: number, f8: readonly (number | null)[] | null): number {
  const width = view.getUint8(at);
  const n = (length - 1) / (1 + width);
  const tag = view.getUint8(at + 1 + i);
  if (tag === RAW_TAG) return f8?.[i] ?? NaN;
  const o = at + 1 + n + i * width;
  const z =
    width === 1 ? view.getUint8(o) : width === 2 ? view.getUint16(o) : width === 4 ? view.getUint32(o) : view.getUint32(o) * TWO_32 + view.getUint32(o + 4);
  const r = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  return r / POW10[tag]!;
}

/** Decodes what `encodeValues` wrote (used by readers that fetch raw rows, and by tests). */
export function decodeValues(enc: Uint8Array, f8: readonly (number | null)[] | null): number[] {
  const view = new DataView(enc.buffer, enc.byteOffset, enc.byteLength);
  const n = (enc.length - 1) / (1 + enc[0]!);
  return Array.from({ length: n }, (_, i) => decodeValueAt(view, 0, enc.length, i, f8));
}

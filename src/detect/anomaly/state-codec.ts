/** Version tag written first in every detector snapshot; bumped when the state layout changes. */
export const SNAPSHOT_VERSION = 3;

/** Header: version and state byte length, as two doubles. */
export const HEADER_BYTES = 16;

/**
 * A detector's whole state is one run of bytes (a double-precision part and a single-precision part);
 * each component owns a slice of it, given as an offset, so a detector needs no object of its own
 * (detector-store.ts keeps many side by side) and a snapshot is those bytes behind a version and
 * length header.
 */
export function encodeState(state: Uint8Array): Uint8Array {
  return encodeStateInto(state, new Uint8Array(HEADER_BYTES + state.byteLength));
}

/** {@link encodeState} into `out` (at least the snapshot's size, 8-byte aligned); returns the snapshot's view of it. */
export function encodeStateInto(state: Uint8Array, out: Uint8Array): Uint8Array {
  const header = new Float64Array(out.buffer, out.byteOffset, 2);
  header[0] = SNAPSHOT_VERSION;
  header[1] = state.byteLength;
  out.set(state, HEADER_BYTES);
  return out.subarray(0, HEADER_BYTES + state.byteLength);
}

/**
 * Copies a snapshot made by {@link encodeState} into `state`; throws a RangeError on a foreign or
 * damaged snapshot, or one of another layout version (an older detector's state is not converted:
 * the caller starts afresh and warms from history). `state` is untouched when it throws.
 */
export function decodeState(bytes: Uint8Array, state: Uint8Array): void {
  if (bytes.byteLength < HEADER_BYTES) throw new RangeError(`detector snapshot: ${bytes.byteLength} bytes is not a snapshot`);
  const header = new Float64Array(2);
  new Uint8Array(header.buffer).set(bytes.subarray(0, HEADER_BYTES));
  if (header[0] !== SNAPSHOT_VERSION) throw new RangeError(`detector snapshot: layout version ${header[0]}, expected ${SNAPSHOT_VERSION}`);
  if (header[1] !== state.byteLength || bytes.byteLength !== HEADER_BYTES + state.byteLength) {
    throw new RangeError(`detector snapshot: ${bytes.byteLength - HEADER_BYTES} state bytes, expected ${state.byteLength}`);
  }
  state.set(bytes.subarray(HEADER_BYTES));
}

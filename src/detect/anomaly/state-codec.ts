/** Version tag written first in every detector snapshot; bumped when the state layout changes. */
export const SNAPSHOT_VERSION = 3;

/** Header: version and state byte length, as two doubles. */
const HEADER_BYTES = 16;

/**
 * A detector's whole state is one ArrayBuffer (a double-precision part and a single-precision part);
 * each component owns a slice of it, given as a base offset, so a detector is one small object around
 * one buffer (compact in memory) and a snapshot is that buffer's bytes behind a version and length
 * header.
 */
export function encodeState(state: ArrayBuffer): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + state.byteLength);
  const header = new Float64Array(out.buffer, 0, 2);
  header[0] = SNAPSHOT_VERSION;
  header[1] = state.byteLength;
  out.set(new Uint8Array(state), HEADER_BYTES);
  return out;
}

/**
 * Copies a snapshot made by {@link encodeState} into `state`; throws a RangeError on a foreign or
 * damaged snapshot, or one of another layout version (an older detector's state is not converted:
 * the caller starts afresh and warms from history).
 */
export function decodeState(bytes: Uint8Array, state: ArrayBuffer): void {
  if (bytes.byteLength < HEADER_BYTES) throw new RangeError(`detector snapshot: ${bytes.byteLength} bytes is not a snapshot`);
  const header = new Float64Array(2);
  new Uint8Array(header.buffer).set(bytes.subarray(0, HEADER_BYTES));
  if (header[0] !== SNAPSHOT_VERSION) throw new RangeError(`detector snapshot: layout version ${header[0]}, expected ${SNAPSHOT_VERSION}`);
  if (header[1] !== state.byteLength || bytes.byteLength !== HEADER_BYTES + state.byteLength) {
    throw new RangeError(`detector snapshot: ${bytes.byteLength - HEADER_BYTES} state bytes, expected ${state.byteLength}`);
  }
  new Uint8Array(state).set(bytes.subarray(HEADER_BYTES));
}

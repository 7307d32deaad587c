/** Version tag written first in every detector snapshot; bumped when the state layout changes. */
export const SNAPSHOT_VERSION = 2;

/**
 * A detector's whole state is one Float64Array; each component owns a slice of it, given as a base
 * offset, so a detector is a handful of small objects around one buffer (compact in memory) and a
 * snapshot is that buffer's bytes behind a version and length header.
 */
export function encodeState(state: Float64Array): Uint8Array {
  const out = new Float64Array(state.length + 2);
  out[0] = SNAPSHOT_VERSION;
  out[1] = state.length;
  out.set(state, 2);
  return new Uint8Array(out.buffer);
}

/** Copies a snapshot made by {@link encodeState} into `state`; throws a RangeError on a foreign or damaged snapshot. */
export function decodeState(bytes: Uint8Array, state: Float64Array): void {
  if (bytes.byteLength % 8 !== 0 || bytes.byteLength < 16) {
    throw new RangeError(`detector snapshot: ${bytes.byteLength} bytes is not a snapshot`);
  }
  const copy = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(copy.buffer).set(bytes);
  if (copy[0] !== SNAPSHOT_VERSION) throw new RangeError(`detector snapshot: version ${copy[0]}, expected ${SNAPSHOT_VERSION}`);
  if (copy[1] !== state.length || copy.length !== state.length + 2) {
    throw new RangeError(`detector snapshot: ${copy.length - 2} state values, expected ${state.length}`);
  }
  state.set(copy.subarray(2));
}

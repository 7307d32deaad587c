/** Payload encoding of the wire contract: UTF-8 JSON. */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a value as a JSON payload. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Encodes a value as a JSON payload that is sent at once and not kept: a Buffer cut from Node's
 * shared 8 KB pool, which costs about half of `encodeJson` on a short payload (no ArrayBuffer of
 * its own). Holding one keeps its whole pool slab alive, so queued or stored payloads use
 * `encodeJson`.
 */
export function encodeJsonTransient(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Decodes a payload as UTF-8 text. */
export function decodeText(data: Uint8Array): string {
  return decoder.decode(data);
}

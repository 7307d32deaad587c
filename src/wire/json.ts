/** Payload encoding of the wire contract: UTF-8 JSON. */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a value as a JSON payload. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes a payload as UTF-8 text. */
export function decodeText(data: Uint8Array): string {
  return decoder.decode(data);
}

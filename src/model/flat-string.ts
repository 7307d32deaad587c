/**
 * The same text as one flat string. A string built by concatenation (a template literal, `+`, or
 * `crypto.randomUUID()`, which joins 20 pieces) is kept by V8 as a tree of its pieces: a UUID held
 * that way costs about 490 bytes of heap instead of about 65, a key of three names joined about
 * 185 instead of 90 (100,000 of each, heap after a full collection, Node 20). Reading it whole
 * does not reliably flatten it (the compiler may drop a read whose result is unused), so the text
 * is copied into a new string through a Buffer. For strings kept long (ids and keys of open
 * alerts), never on a per-sample path: about 0.3 µs each. Text that UTF-8 cannot carry (a lone
 * surrogate) is returned as it is.
 */
export function flatString(s: string): string {
  return s.isWellFormed() ? Buffer.from(s, 'utf8').toString('utf8') : s;
}
